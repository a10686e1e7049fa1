import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { PasskeysRepository } from './passkeys.repository.js';
import type { Actor } from '../audit/audit.service.js';

/** How long the browser may take to ask for the fingerprint or PIN. */
const CEREMONY_MS = 120_000;

/**
 * Passkeys (WebAuthn) with the instance host as relying party: a passkey made on acme.my.erp.net
 * is bound to that host by the authenticator itself, so another instance's host can neither ask for
 * it nor accept its signature. Discoverable credentials, user verification required (a passkey is
 * both factors at once).
 */
@Injectable()
export class PasskeyService {
  constructor(
    private readonly config: AppConfig,
    private readonly passkeys: PasskeysRepository,
    private readonly audit: AuditService,
  ) {}

  /** The relying party of an instance: its host (no port) and its origin. */
  relyingParty(tenant: Tenant): { id: string; origin: string; name: string } {
    return { id: this.config.tenantHost(tenant.name), origin: this.config.tenantOrigin(tenant.name), name: tenant.displayName };
  }

  async registrationOptions(tenant: Tenant, me: Actor & { name: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.relyingParty(tenant);
    const existing = await this.passkeys.listOf(tenant.id, me.id);
    return generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: me.login,
      userDisplayName: me.name,
      userID: this.userHandle(tenant.id, me.id),
      timeout: CEREMONY_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
  }

  /** Checks the browser's answer to registrationOptions and stores the passkey; an error message when it fails. */
  async register(tenant: Tenant, me: Actor, response: RegistrationResponseJSON, challenge: string, name: string, ip: string): Promise<string | undefined> {
    const rp = this.relyingParty(tenant);
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    }).catch(() => undefined);
    if (!verified?.verified) return 'The passkey could not be checked. Try again.';
    const { credential } = verified.registrationInfo;
    const added = await this.passkeys.add(tenant.id, me.id, {
      credentialId: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? [],
      name,
    });
    if (!added) return 'This passkey is already registered.';
    await this.audit.record({ tenantId: tenant.id, event: 'passkey_added', actor: me, target: { type: 'user', id: me.id }, ip, details: { name } });
    return undefined;
  }

  /** Options for a login: any passkey of this instance (discoverable), or only those of one user (a second step). */
  async authenticationOptions(tenant: Tenant, userId?: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow =
      userId === undefined ? undefined : (await this.passkeys.listOf(tenant.id, userId)).map((p) => ({ id: p.credential_id, transports: p.transports }));
    return generateAuthenticationOptions({ rpID: this.relyingParty(tenant).id, timeout: CEREMONY_MS, userVerification: 'required', allowCredentials: allow });
  }

  /** The user a passkey assertion proves, or undefined (unknown credential, wrong host, bad signature, cloned authenticator). */
  async verifyLogin(tenant: Tenant, response: AuthenticationResponseJSON, challenge: string, ip: string, onlyUserId?: number): Promise<number | undefined> {
    const rp = this.relyingParty(tenant);
    const stored = typeof response?.id === 'string' ? await this.passkeys.findByCredential(tenant.id, response.id.slice(0, 1400)) : undefined;
    const handle = response?.response?.userHandle;
    const handleOk = !stored || !handle || handle === Buffer.from(this.userHandle(tenant.id, stored.user_id)).toString('base64url');
    const verified =
      stored && handleOk && (onlyUserId === undefined || stored.user_id === onlyUserId)
        ? await verifyAuthenticationResponse({
            response,
            expectedChallenge: challenge,
            expectedOrigin: rp.origin,
            expectedRPID: rp.id,
            credential: { id: stored.credential_id, publicKey: new Uint8Array(stored.public_key), counter: stored.counter, transports: stored.transports },
            requireUserVerification: true,
          }).catch(() => undefined)
        : undefined;
    if (!stored || !verified?.verified) {
      await this.audit.record({
        tenantId: tenant.id,
        event: 'authn_passkey_fail',
        target: stored ? { type: 'user', id: stored.user_id } : null,
        ip,
        details: { reason: !stored ? 'unknown_passkey' : 'not_verified' },
      });
      return undefined;
    }
    await this.passkeys.recordUse(tenant.id, stored.id, verified.authenticationInfo.newCounter);
    return stored.user_id;
  }

  async remove(tenant: Tenant, me: Actor, id: number, ip: string): Promise<boolean> {
    const removed = await this.passkeys.remove(tenant.id, me.id, id);
    if (removed) {
      await this.audit.record({
        tenantId: tenant.id,
        event: 'passkey_removed',
        actor: me,
        target: { type: 'user', id: me.id },
        ip,
        details: { name: removed.name },
      });
    }
    return !!removed;
  }

  /** The WebAuthn user handle: stable per user, opaque (no login, no id in clear), different per instance. */
  private userHandle(tenantId: number, userId: number): Uint8Array<ArrayBuffer> {
    return new Uint8Array(createHmac('sha256', this.config.sessionSecret).update(`webauthn-user:${tenantId}:${userId}`).digest().subarray(0, 16));
  }
}
