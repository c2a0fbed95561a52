/** @module The access layer's entities and migrations, registered with the core schema. */
import { ApiKey } from './entities/api-key.js';
import { App } from './entities/app.js';
import { AssetToggle } from './entities/asset-toggle.js';
import { AuditEntry } from './entities/audit-entry.js';
import { Developer } from './entities/developer.js';
import { Membership } from './entities/membership.js';
import { Operator } from './entities/operator.js';
import { Organization } from './entities/organization.js';
import { Plan } from './entities/plan.js';
import { RateWindow } from './entities/rate-window.js';
import { Session } from './entities/session.js';
import { StateVersion } from './entities/state-version.js';
import { Subscription } from './entities/subscription.js';
import { UsageCounter } from './entities/usage-counter.js';
import { AddPlanLimits } from './migrations/add-plan-limits.js';
import { CreateAccessTables } from './migrations/create-access-tables.js';

export const accessEntities = [
  Organization,
  Developer,
  Membership,
  Session,
  App,
  ApiKey,
  Plan,
  Subscription,
  Operator,
  AuditEntry,
  AssetToggle,
  StateVersion,
  UsageCounter,
  RateWindow,
];

export const accessMigrations = [
  { name: '001-access-tables', class: CreateAccessTables },
  { name: '002-plan-limits', class: AddPlanLimits },
];
