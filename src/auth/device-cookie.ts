import { createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { readCookie, safeEqual } from './csrf.js';

/** A browser stays trusted this long after its last successful login. */
const TRUST_DAYS = 180;

/**
 * OWASP's device cookies: a browser that logged in successfully as a login keeps a signed cookie
 * that says so. Its attempts for that login skip the per-account and per-address locks that
 * strangers cause, and count against their own lock instead, so nobody can shut an administrator
 * out by typing wrong passwords at their login. The cookie proves a past login only: the password
 * is still checked every time.
 */
@Injectable()
export class DeviceCookies {
  private readonly name: string;

  constructor(private readonly config: AppConfig) {
    this.name = config.secureCookies ? '__Host-device' : 'device';
  }

  /** After a successful login: a fresh cookie for this instance and login. */
  issue(res: Response, tenantId: number, login: string): void {
    const body = `${tenantId}.${Buffer.from(login.toLowerCase()).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    res.cookie(this.name, `${body}.${this.sign(body)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.secureCookies,
      path: '/',
      maxAge: TRUST_DAYS * 86_400_000,
    });
  }

  /** The id of this browser when its cookie is genuine and was issued for this instance and login; otherwise undefined. */
  trustedDevice(req: Request, tenantId: number, login: string): string | undefined {
    const value = readCookie(req, this.name);
    const parts = value?.split('.');
    if (!parts || parts.length !== 4) return undefined;
    const [tenant, name, nonce, signature] = parts;
    if (!safeEqual(signature, this.sign(`${tenant}.${name}.${nonce}`))) return undefined;
    if (tenant !== String(tenantId) || name !== Buffer.from(login.toLowerCase()).toString('base64url')) return undefined;
    return nonce;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.config.sessionSecret).update(`device:${body}`).digest('base64url');
  }
}
