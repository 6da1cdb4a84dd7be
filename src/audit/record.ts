/**
 * The three shapes audit events arrive in, read into one record (Kubernetes "Auditing"; Azure Monitor
 * table references AzureDiagnostics, AKSAudit and AKSAuditAdmin):
 * - audit.k8s.io/v1 `Event` (kube-apiserver's log backend, also inside the other two);
 * - AzureDiagnostics rows: `Category` kube-audit | kube-audit-admin, the Event as a JSON string in `log_s`
 *   (the Azure resource-log envelope `{category, properties: {log}}` of Event Hub / Storage exports too);
 * - AKSAudit / AKSAuditAdmin rows: typed columns (`Verb`, `ObjectRef`, `User`, `RequestObject`, …)
 *   whose dynamic values come as objects or as JSON text, depending on the export.
 */

/** What AKS writes instead of an object larger than its limit (resource-specific tables). */
export const TOO_BIG = 'skipped-too-big-size-object';

export interface AuditRecord {
  format: 'event' | 'azure-diagnostics' | 'resource-log' | 'aks-audit';
  auditID: string;
  stage?: string;
  verb: string;
  time: string;
  username: string;
  groups: string[];
  userAgent: string;
  sourceIP: string;
  resource: string;
  subresource: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  name: string;
  requestObject?: unknown;
  responseObject?: unknown;
}

export type ReadRecord = { record: AuditRecord } | { skip: string };

type Row = Record<string, unknown>;

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A dynamic column: an object as is, JSON text parsed, anything else as is (KQL's parse_json keeps invalid text). */
function dynamic(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function field(row: Row, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined && row[name] !== null) return row[name];
  return undefined;
}

function userOf(user: unknown, impersonated: unknown): { username: string; groups: string[] } {
  // The webhook sees the impersonated identity; exemptions must match what it would have seen.
  const effective = isRow(impersonated) && typeof impersonated.username === 'string' ? impersonated : user;
  if (typeof effective === 'string') return { username: effective, groups: [] };
  if (!isRow(effective)) return { username: '', groups: [] };
  const groups = Array.isArray(effective.groups) ? effective.groups.filter((g) => typeof g === 'string') : [];
  return { username: str(effective.username), groups };
}

function firstIp(value: unknown): string {
  const ips = dynamic(value);
  if (Array.isArray(ips)) return str(ips[0]);
  return str(ips);
}

/** An audit.k8s.io Event (already decoded) as a record. `time` falls back through the event's timestamps. */
function fromEvent(event: Row, format: AuditRecord['format'], time?: string): AuditRecord {
  const ref = isRow(event.objectRef) ? event.objectRef : {};
  const user = userOf(event.user, event.impersonatedUser);
  return {
    format,
    auditID: str(event.auditID),
    ...(typeof event.stage === 'string' && event.stage !== '' ? { stage: event.stage } : {}),
    verb: str(event.verb),
    time: time || str(event.stageTimestamp) || str(event.requestReceivedTimestamp),
    username: user.username,
    groups: user.groups,
    userAgent: str(event.userAgent),
    sourceIP: firstIp(event.sourceIPs),
    resource: str(ref.resource),
    subresource: str(ref.subresource),
    apiGroup: str(ref.apiGroup),
    apiVersion: str(ref.apiVersion),
    namespace: str(ref.namespace),
    name: str(ref.name),
    ...(event.requestObject === undefined ? {} : { requestObject: event.requestObject }),
    ...(event.responseObject === undefined ? {} : { responseObject: event.responseObject }),
  };
}

const AUDIT_CATEGORIES = new Set(['kube-audit', 'kube-audit-admin']);

function fromEmbedded(
  category: unknown,
  log: unknown,
  format: AuditRecord['format'],
  time: string,
): ReadRecord {
  const name = str(category);
  if (!AUDIT_CATEGORIES.has(name.toLowerCase())) return { skip: `category ${name || '(none)'}` };
  const event = dynamic(log);
  if (!isRow(event)) return { skip: 'log_s is not an audit event' };
  return { record: fromEvent(event, format, time) };
}

function fromAksRow(row: Row): ReadRecord {
  const user = userOf(dynamic(row.User), dynamic(row.ImpersonatedUser));
  const ref = dynamic(row.ObjectRef);
  const objectRef = isRow(ref) ? ref : {};
  const request = dynamic(row.RequestObject);
  const response = dynamic(row.ResponseObject);
  const stage = str(row.Stage);
  return {
    record: {
      format: 'aks-audit',
      auditID: str(field(row, 'AuditId', 'AuditID')),
      ...(stage === '' ? {} : { stage }),
      verb: str(row.Verb),
      time: str(field(row, 'TimeGenerated', 'StageReceivedTime', 'RequestReceivedTime')),
      username: user.username,
      groups: user.groups,
      userAgent: str(row.UserAgent),
      sourceIP: firstIp(row.SourceIps),
      resource: str(objectRef.resource),
      subresource: str(objectRef.subresource),
      apiGroup: str(objectRef.apiGroup),
      apiVersion: str(objectRef.apiVersion),
      namespace: str(objectRef.namespace),
      name: str(objectRef.name),
      ...(request === undefined || request === null || request === '' ? {} : { requestObject: request }),
      ...(response === undefined || response === null || response === '' ? {} : { responseObject: response }),
    },
  };
}

/** Any supported row or event → a record, or the reason it is not one. */
export function readRecord(value: unknown): ReadRecord {
  if (!isRow(value)) return { skip: 'not a JSON object' };
  if ('log_s' in value || 'Category' in value) {
    return fromEmbedded(value.Category, value.log_s, 'azure-diagnostics', str(value.TimeGenerated));
  }
  if (isRow(value.properties) && 'log' in value.properties && 'category' in value) {
    return fromEmbedded(value.category, value.properties.log, 'resource-log', str(value.time));
  }
  if ('AuditId' in value || ('Verb' in value && 'ObjectRef' in value)) return fromAksRow(value);
  if ('auditID' in value || 'verb' in value || value.kind === 'Event')
    return { record: fromEvent(value, 'event') };
  return { skip: 'not an audit event' };
}

/**
 * Containers that hold many events: an `EventList` (`{items: […]}`) and a Log Analytics query
 * response (`{tables: [{columns, rows}]}`). Returns undefined when the value is a single event.
 */
export function expandContainer(value: unknown): unknown[] | undefined {
  if (!isRow(value)) return undefined;
  if (Array.isArray(value.items) && !('verb' in value)) return value.items as unknown[];
  const tables = value.tables;
  if (Array.isArray(tables)) {
    const out: unknown[] = [];
    for (const table of tables) {
      if (!isRow(table) || !Array.isArray(table.columns) || !Array.isArray(table.rows)) continue;
      const names = table.columns.map((c: unknown) => (isRow(c) ? str(c.name) : str(c)));
      for (const row of table.rows) {
        if (!Array.isArray(row)) continue;
        out.push(Object.fromEntries(names.map((name, i) => [name, row[i] as unknown])));
      }
    }
    return out;
  }
  return undefined;
}
