/**
 * Which services this server may run: on a beta server, those the current
 * signed manifest lists with valid sign-offs for the exact code here (its
 * version and folder hash); with ALLOW_UNREVIEWED, all of them. The manifest
 * is re-read whenever its serial moves, so a publish deploys or withdraws a
 * service in every server process without a restart.
 */
import { sql } from 'kysely';
import { verifyEnvelope } from '../../protocol/envelope';
import { MANIFEST_ENV } from '../../protocol/environments';
import { findSignOffProblems, type ManifestPayload } from '../../protocol/manifest-schema';
import type { RouteDeps } from '../http';
import type { LoadedService } from './load-services';

export interface DeployedService {
  id: string;
  name: string;
  version: string;
}

/** Why each service is not deployed under `payload` (empty reasons mean it is). */
export function decideDeployment(services: readonly LoadedService[], payload: ManifestPayload | undefined): Map<string, string | null> {
  const decisions = new Map<string, string | null>();
  for (const service of services) {
    const entry = payload?.services?.find((s) => s.id === service.id);
    if (!entry) decisions.set(service.id, 'the signed manifest does not list it');
    else if (entry.version !== service.json.version) decisions.set(service.id, `the manifest deploys version ${entry.version}, this server runs ${service.json.version}`);
    else if (entry.sha256 !== service.sha256) decisions.set(service.id, 'the manifest deploys other code than this server runs');
    else {
      // The owners in the folder are the ones that count, whatever the manifest says.
      const owners = [...new Set([...service.json.owners, ...entry.owners])];
      const problems = findSignOffProblems({ ...entry, owners });
      decisions.set(service.id, problems.length ? problems.map((p) => p.message).join('; ') : null);
    }
  }
  return decisions;
}

export interface DeploymentCheck {
  /** null when the service is deployed, else why not. */
  findReason(serviceId: string): Promise<string | null>;
  listDeployed(): Promise<DeployedService[]>;
}

/**
 * @example
 *   const check = createDeploymentCheck(deps, services); // deployAll: every service, as with ALLOW_UNREVIEWED
 *   if (await check.findReason('notes')) throw notDeployed('notes');
 */
export function createDeploymentCheck(deps: RouteDeps, services: readonly LoadedService[], deployAll = deps.config.allowUnreviewed): DeploymentCheck {
  let cached: { serial: number | null; decisions: Map<string, string | null> } | undefined;

  const readPayload = async (text: string): Promise<ManifestPayload | undefined> => {
    try {
      return await verifyEnvelope(text, { keys: deps.loadPublicKeys(), env: MANIFEST_ENV, now: new Date(deps.now()), allowUnreviewed: false });
    } catch {
      // A stored manifest this server cannot verify (keys rotated away) deploys nothing.
      return undefined;
    }
  };

  const decide = async (): Promise<Map<string, string | null>> => {
    if (deployAll) return new Map(services.map((s) => [s.id, null]));
    // One small query per request; the envelope is read and verified only when the serial moved.
    const top = await sql<{ serial: number | string | null }>`SELECT MAX(serial) AS serial FROM manifests`.execute(deps.store.db);
    const serial = top.rows[0]?.serial == null ? null : Number(top.rows[0].serial);
    if (cached && cached.serial === serial) return cached.decisions;
    const manifest = serial === null ? undefined : await deps.store.getCurrentManifest();
    const payload = manifest ? await readPayload(manifest.bytes.toString('utf8')) : undefined;
    const decisions = decideDeployment(services, payload);
    cached = { serial: manifest?.serial ?? null, decisions };
    return decisions;
  };

  return {
    async findReason(serviceId) {
      const decisions = await decide();
      return decisions.has(serviceId) ? decisions.get(serviceId)! : 'there is no such service';
    },
    async listDeployed() {
      const decisions = await decide();
      return services
        .filter((s) => decisions.get(s.id) === null)
        .map((s) => ({ id: s.id, name: s.json.name, version: s.json.version }));
    },
  };
}
