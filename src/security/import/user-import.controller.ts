import { BadRequestException, Body, Controller, Get, HttpCode, Post, Render, Req, Res } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Request, Response } from 'express';
import './import-messages.js';
import { RequirePermission } from '../../roles/require-permission.decorator.js';
import { CurrentTenant } from '../../tenancy/current-tenant.decorator.js';
import { Admin, type AdminRequest } from '../admin-request.decorator.js';
import { IdParam } from '../../common/id-param.js';
import type { Tenant } from '../../tenancy/tenant.entity.js';
import { withUpload } from '../upload.js';
import { CSV_UPLOAD } from './csv-upload.js';
import { IMPORT_COLUMNS, ImportFileError, MAX_IMPORT_ROWS } from './import-rows.js';
import { importJobView } from './import-view.js';
import { UserImportService } from './user-import.service.js';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';

export class StartImportDto extends CsrfOnlyDto {
  @Transform(({ value }: { value: unknown }) => value === 'on' || value === '1' || value === 'true')
  @IsOptional()
  @IsBoolean()
  sendInvitations?: boolean;
}

const PAGE = { securityActive: true, nav: 'users' };

/** Run > Import users on the users navigator: upload and preview, the import in the background, its progress and result. */
@Controller('security/users/import')
@RequirePermission('security')
export class UserImportController {
  constructor(private readonly imports: UserImportService) {}

  @Get()
  @Render('users/import')
  form() {
    return { ...PAGE, title: 'Import users', header: IMPORT_COLUMNS.join(','), maxRows: MAX_IMPORT_ROWS.toLocaleString('en') };
  }

  /** The upload: read as it streams, staged as a job, then the preview (its own page, bookmarkable). */
  @Post()
  async upload(@Admin() admin: AdminRequest, @Req() req: Request, @Res() res: Response) {
    try {
      const jobId = await withUpload(req, (upload) => this.imports.stage(admin.tenantId, admin.me.id, upload.fileName, upload.bytes), CSV_UPLOAD);
      res.redirect(303, `/security/users/import/${jobId}`);
    } catch (err) {
      if (!(err instanceof ImportFileError)) throw err;
      res.status(400).render('users/import', { ...PAGE, title: 'Import users', header: IMPORT_COLUMNS.join(','), fileError: err.message });
    }
  }

  @Get(':id')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number, @Res() res: Response) {
    const job = await this.imports.job(tenant.id, id);
    const view = importJobView(job, await this.imports.rows(tenant.id, job));
    res.render('users/import-job', { ...PAGE, ...view });
  }

  /** For the progress bar's script; the page itself refreshes without JavaScript. */
  @Get(':id/progress')
  async progress(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const job = await this.imports.job(tenant.id, id);
    return { status: job.status, done: job.done_rows, total: job.total_rows };
  }

  @Post(':id')
  @HttpCode(303)
  async start(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number, @Body() form: StartImportDto, @Res() res: Response) {
    const job = await this.imports.job(tenant.id, id);
    if (job.bad_rows > 0) throw new BadRequestException('This file has bad rows, so nothing can be imported. Correct them and upload the file again.');
    await this.imports.start(tenant.id, id, !!form.sendInvitations);
    res.redirect(303, `/security/users/import/${id}`);
  }
}
