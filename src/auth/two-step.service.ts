import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { deriveKey, keyedHash, SecretBox } from './secret-box.js';
import { acceptedStep, looksLikeTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode } from './totp.js';
import { TwoStepRepository } from './two-step.repository.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export interface SecondFactors {
  totp: boolean;
  passkeys: boolean;
}

type CodeKind = 'totp' | 'recovery_code';

/**
 * A user's second factors: the authenticator app (secret sealed at rest, each code accepted once)
 * and recovery codes (kept as keyed hashes). Passkeys are verified by PasskeyService.
 */
@Injectable()
export class TwoStepService {
  private readonly box: SecretBox;
  private readonly codeKey: Buffer;

  constructor(
    config: AppConfig,
    private readonly repo: TwoStepRepository,
    private readonly passkeys: PasskeysRepository,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.box = new SecretBox(config.sessionSecret, 'totp-secret');
    this.codeKey = deriveKey(config.sessionSecret, 'recovery-code');
  }

  async factorsOf(tenantId: TenantId, userId: number): Promise<SecondFactors> {
    const [totp, passkeys] = await Promise.all([this.totpOn(tenantId, userId), this.passkeys.countOf(tenantId, userId)]);
    return { totp, passkeys: passkeys > 0 };
  }

  /** Whether the authenticator app is on (set up and confirmed). */
  async totpOn(tenantId: TenantId, userId: number): Promise<boolean> {
    return !!(await this.repo.totpOf(tenantId, userId))?.enabled;
  }

  async recoveryCodesLeft(tenantId: TenantId, userId: number): Promise<number> {
    return this.repo.recoveryCodesLeft(tenantId, userId);
  }

  /**
   * The secret being set up: the one already waiting (so a reload shows what the person may have
   * scanned), or a new one. Undefined when the app is already on.
   */
  async pendingSecret(tenantId: TenantId, userId: number): Promise<string | undefined> {
    const row = await this.repo.totpOf(tenantId, userId);
    if (row?.enabled) return undefined;
    const existing = row && this.box.open(row.secret_enc, context(tenantId, userId));
    if (existing) return existing;
    const secret = newTotpSecret();
    await this.repo.startTotp(tenantId, userId, this.box.seal(secret, context(tenantId, userId)));
    return secret;
  }

  /** Turns the app on when the code is right for the waiting secret; returns the new recovery codes (shown once). */
  async confirmTotp(tenantId: TenantId, actor: Actor, code: string, ip: string): Promise<string[] | undefined> {
    const userId = actor.id;
    const row = await this.repo.totpOf(tenantId, userId);
    const secret = row && !row.enabled ? this.box.open(row.secret_enc, context(tenantId, userId)) : undefined;
    if (!secret) return undefined;
    const step = acceptedStep(secret, code.replace(/\s/g, ''), this.clock.now().getTime(), null);
    if (step === undefined) return undefined;
    const codes = newRecoveryCodes();
    const stored = await this.repo.enableTotp(
      tenantId,
      userId,
      step,
      codes.map((c) => this.hashRecoveryCode(c)),
    );
    if (!stored) return undefined;
    await this.audit.record({ tenantId, event: 'two_step_totp_on', actor, target: { type: 'user', id: userId }, ip });
    return codes;
  }

  /** Checks a code typed at login: the app's code, or else a recovery code (used up). */
  async verifyCode(tenantId: TenantId, userId: number, input: string): Promise<CodeKind | undefined> {
    const code = input.trim();
    if (looksLikeTotp(code)) {
      const row = await this.repo.totpOf(tenantId, userId);
      const secret = row?.enabled ? this.box.open(row.secret_enc, context(tenantId, userId)) : undefined;
      if (!row || !secret) return undefined;
      const step = acceptedStep(secret, code.replace(/\s/g, ''), this.clock.now().getTime(), row.last_used_step);
      return step !== undefined && (await this.repo.useStep(tenantId, userId, step)) ? 'totp' : undefined;
    }
    const normalized = normalizeRecoveryCode(code);
    if (normalized.length !== 12) return undefined;
    return (await this.repo.useRecoveryCode(tenantId, userId, this.hashRecoveryCode(normalized))) ? 'recovery_code' : undefined;
  }

  /** The person turns their app off (their recovery codes go with it). */
  async turnOffTotp(tenantId: TenantId, actor: Actor, ip: string): Promise<boolean> {
    const removed = await this.repo.removeTotp(tenantId, actor.id);
    if (removed) await this.audit.record({ tenantId, event: 'two_step_totp_off', actor, target: { type: 'user', id: actor.id }, ip });
    return removed;
  }

  /**
   * An administrator resets a user's two-step login (lost phone): the app, the recovery codes and
   * every passkey go, in the caller's transaction. Returns what was removed.
   */
  async resetAll(em: EntityManager, tenantId: TenantId, userId: number): Promise<{ totp: boolean; passkeys: number }> {
    const totp = await this.repo.removeTotp(tenantId, userId, em);
    const passkeys = await this.passkeys.removeAllOf(tenantId, userId, em);
    return { totp, passkeys };
  }

  private hashRecoveryCode(code: string): string {
    return keyedHash(this.codeKey, normalizeRecoveryCode(code));
  }
}

function context(tenantId: TenantId, userId: number): string {
  return `totp:${tenantId}:${userId}`;
}
