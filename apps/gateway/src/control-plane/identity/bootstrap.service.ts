import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { AuditService } from '../audit/audit.service.js';
import { TokenCrypto } from '../auth/token-crypto.js';
import { Clock } from '../../platform/clock.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { IdentityRepository, LOCAL_ISSUER } from './identity.repository.js';
import { TokenRepository } from './token.repository.js';

/** Where the one-time token goes; a provider so tests can capture it instead of stdout. */
export abstract class BootstrapTokenSink {
  abstract announce(token: string, source: 'generated' | 'environment'): void;
}

export class StdoutBootstrapTokenSink extends BootstrapTokenSink {
  announce(token: string, source: 'generated' | 'environment'): void {
    if (source === 'environment') {
      process.stdout.write('jitgate: created the admin identity with the token from JITGATE_BOOTSTRAP_TOKEN\n');
      return;
    }
    // Printed straight to stdout, not through the logger: this is the only secret jitgate ever
    // shows, and it is shown once, on the first start against an empty database.
    process.stdout.write(
      [
        '',
        '================ jitgate bootstrap ================',
        'Created the admin identity. Its token, shown this once:',
        '',
        `  export JITGATE_TOKEN=${token}`,
        '',
        'Store it now; issue other tokens with POST /v1/identities/:id/tokens.',
        '===================================================',
        '',
      ].join('\n'),
    );
  }
}

const BOOTSTRAP_LOCK = 0x6a67_6273; // "jgbs"
const BOOTSTRAP_TTL_SECONDS = 366 * 86_400;

/** On first start against an empty database: create the admin identity and its token. */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('BootstrapService');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(TokenCrypto) private readonly crypto: TokenCrypto,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(BootstrapTokenSink) private readonly sink: BootstrapTokenSink,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const fromEnvironment = this.config.auth.bootstrapToken;
    const token = fromEnvironment ?? this.crypto.generate();
    // Two replicas starting together on an empty database: the advisory lock lets one create.
    const created = await this.prisma.transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
      if ((await this.identities.count(tx)) > 0) return false;
      const admin = await this.identities.create(tx, {
        issuer: LOCAL_ISSUER,
        subject: 'admin',
        kind: 'human',
        displayName: 'Bootstrap admin',
        groups: [this.config.auth.adminGroup],
        attributes: {},
      });
      const record = await this.tokens.create(tx, {
        identityId: admin.id,
        name: 'bootstrap',
        tokenHash: this.crypto.hash(token),
        prefix: this.crypto.displayPrefix(token),
        expiresAt: new Date(this.clock.now().getTime() + BOOTSTRAP_TTL_SECONDS * 1000),
        createdById: null,
      });
      await this.audit.record(tx, {
        actor: SYSTEM_ACTOR,
        action: 'identity.bootstrap',
        targetType: 'identity',
        targetId: admin.id,
        details: { subject: admin.subject, groups: admin.groups, tokenId: record.id, tokenSource: fromEnvironment ? 'environment' : 'generated' },
      });
      return true;
    });
    if (!created) return;
    this.logger.log('created the bootstrap admin identity');
    this.sink.announce(token, fromEnvironment ? 'environment' : 'generated');
  }
}
