import { Module } from '@nestjs/common';

/** Invitations: sending (with the mail queue), the Create Account page, acceptance. */
@Module({})
export class InvitationsModule {}
