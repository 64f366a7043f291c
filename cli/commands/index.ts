import type { Command } from '../command';
import { appAddCommand, appListCommand } from '../../node/publish/admin/app.command';
import {
  healthAuthorityAddCommand,
  healthAuthorityKeyAddCommand,
  healthAuthorityKeyListCommand,
  healthAuthorityListCommand,
} from '../../node/publish/admin/health-authority.command';
import { demoCommand } from '../demo/demo.command';
import { demoPublishCommand } from '../demo/demo-publish.command';
import { migrateCommand } from './migrate.command';
import { exportConfigAddCommand, exportConfigListCommand } from '../../core/export/admin/export-config.command';
import {
  signingKeyCreateCommand,
  signingKeyListCommand,
  signingKeyRotateCommand,
} from '../../core/signing/admin/signing-key.command';
import { partnerAddCommand } from '../../core/federation/admin/partner-add.command';
import { partnerListCommand } from '../../core/federation/admin/partner-list.command';
import { partnerRevokeCommand } from '../../core/federation/admin/partner-revoke.command';
import { upstreamAddCommand } from '../../hub/sources/federation/admin/upstream-add.command';
import { upstreamListCommand } from '../../hub/sources/federation/admin/upstream-list.command';
import { upstreamRemoveCommand } from '../../hub/sources/federation/admin/upstream-remove.command';
import { runHubCommand, runNodeCommand } from './run-server.command';

/** Every `enfed` subcommand. Admin commands live beside the capability they administer. */
export const COMMANDS: Command[] = [
  runNodeCommand,
  runHubCommand,
  migrateCommand,
  demoCommand,
  demoPublishCommand,
  partnerAddCommand,
  partnerListCommand,
  partnerRevokeCommand,
  upstreamAddCommand,
  upstreamListCommand,
  upstreamRemoveCommand,
  appAddCommand,
  appListCommand,
  healthAuthorityAddCommand,
  healthAuthorityListCommand,
  healthAuthorityKeyAddCommand,
  healthAuthorityKeyListCommand,
  exportConfigAddCommand,
  exportConfigListCommand,
  signingKeyCreateCommand,
  signingKeyRotateCommand,
  signingKeyListCommand,
];
