/**
 * Decides, for every feature this browser knows of, whether it should be
 * installed, disabled (data kept) or uninstalled (data wiped), and says why
 * in a sentence QA can read. Pure: same input, same plan.
 *
 * It lives in protocol/ because who gets a feature is part of the contract:
 * the benchmarks and the fleet simulation run exactly the add-on's rules.
 */
import { describeDataCollection } from './data-collection';
import { findSignOffProblems, type ManifestFeature, type ManifestPayload, type Targeting } from './manifest-schema';
import { formatRollout, isBucketInRollout, readBucket } from './rollout';
import { isVersionInRange, matchesLocale } from './version-compare';

export interface PlanEnvironment {
  hostVersion: string;
  firefoxVersion: string;
  /** runtime.getPlatformInfo().os: "win", "mac", "linux", … */
  os: string;
  /** i18n.getUILanguage(), e.g. "en-US". */
  locale: string;
}

/** What the planner reads of a feature the add-on ships (its feature.json, through the build's registry). */
export interface PlannedFeature {
  id: string;
  requiresAccount: boolean;
  /** Who owns the feature: none of them may sign it off, whatever a manifest entry says. */
  owners: readonly string[];
  dataCollection?: readonly string[];
  services?: readonly string[];
}

export interface PlanInput {
  /** The last verified manifest, or null when none was ever accepted. */
  manifest: ManifestPayload | null;
  /** The signed add-on's own features: requiresAccount, owners, data collection and services come from here, not from the manifest. */
  /** The build's registry (feature.json of every feature this add-on ships), as far as planning needs it. */
  registry: PlannedFeature[];
  unit: string;
  environment: PlanEnvironment;
  account: { signedIn: boolean; termsAccepted: boolean };
  /** The data-collection categories the user has granted; none when absent. */
  dataConsent?: DataConsent;
  overrides: Record<string, 'on' | 'off'>;
  optOuts: string[];
  /** Only local development builds: install features without complete sign-offs. */
  allowUnreviewed: boolean;
  /** Ids in the host's ledger, so that features known only there get a decision too. */
  installed?: string[];
}

/**
 * What the user has allowed the add-on to send. On Firefox 140 and later
 * Firefox keeps it (source "firefox": permissions.getAll().data_collection);
 * an older Firefox has no such permission, so the add-on keeps the user's
 * answer itself (source "add-on").
 */
export interface DataConsent {
  source: 'firefox' | 'add-on';
  granted: readonly string[];
}

/** 'keep' changes nothing: used when there is no manifest to decide with. */
export type PlanAction = 'install' | 'disable' | 'uninstall' | 'keep';

export type PlanReasonCode =
  | 'no-manifest'
  | 'not-in-manifest'
  | 'not-in-build'
  | 'killed'
  | 'sign-offs'
  | 'qa-off'
  | 'qa-on'
  | 'opted-out'
  | 'targeting'
  | 'rollout'
  | 'needs-account'
  | 'terms'
  | 'needs-consent'
  | 'needs-service'
  | 'eligible';

export interface PlanDecision {
  id: string;
  action: PlanAction;
  entry?: ManifestFeature;
  reasonCode: PlanReasonCode;
  reason: string;
  /** This browser's bucket for the feature (0–9999), when the manifest lists it and this build ships it. */
  bucket: number | null;
  /** The feature's rollout in basis points, when the manifest lists it. */
  rollout: number | null;
}

/** The first targeting rule this browser fails, as a sentence, or null when all pass. */
export function findTargetingMismatch(targeting: Targeting, env: PlanEnvironment): string | null {
  if (targeting.hostVersion && !isVersionInRange(env.hostVersion, targeting.hostVersion)) {
    return `host version ${env.hostVersion} is outside ${describeRange(targeting.hostVersion)}`;
  }
  if (targeting.firefoxVersion && !isVersionInRange(env.firefoxVersion, targeting.firefoxVersion)) {
    return `Firefox ${env.firefoxVersion} is outside ${describeRange(targeting.firefoxVersion)}`;
  }
  if (targeting.os && targeting.os.length > 0 && !targeting.os.includes(env.os)) {
    return `OS "${env.os}" is not one of ${targeting.os.join(', ')}`;
  }
  if (targeting.locales && targeting.locales.length > 0 && !targeting.locales.some((tag) => matchesLocale(env.locale, tag))) {
    return `locale "${env.locale}" is not one of ${targeting.locales.join(', ')}`;
  }
  return null;
}

function describeRange(range: { min?: string; max?: string }): string {
  if (range.min && range.max) return `${range.min}–${range.max}`;
  if (range.min) return `${range.min} and later`;
  return `${range.max} and earlier`;
}

function checkAccountGate(
  requiresAccount: boolean,
  account: PlanInput['account'],
): { reasonCode: 'needs-account' | 'terms'; reason: string } | null {
  if (!requiresAccount) return null;
  if (!account.signedIn) return { reasonCode: 'needs-account', reason: 'Needs a beta account: sign in to use it' };
  if (!account.termsAccepted) return { reasonCode: 'terms', reason: 'Needs the current beta Terms of Service accepted' };
  return null;
}

/** The categories a feature sends that the user has not granted, in the feature's order. */
export function findMissingConsent(declared: readonly string[], consent: DataConsent | undefined): string[] {
  const granted = new Set(consent?.granted ?? []);
  return declared.filter((category) => !granted.has(category));
}

function checkConsentGate(declared: readonly string[], consent: DataConsent | undefined): { reasonCode: 'needs-consent'; reason: string } | null {
  const missing = findMissingConsent(declared, consent);
  if (missing.length === 0) return null;
  const where =
    consent?.source === 'add-on'
      ? 'this Firefox has no data-collection consent of its own, so the add-on asks: allow it in the QA panel or the popup'
      : 'Firefox data collection: allow it in the QA panel, the popup or about:addons';
  return { reasonCode: 'needs-consent', reason: `Waits for your consent to send ${describeDataCollection(missing)} (${where})` };
}

/** The services a feature uses that the manifest does not deploy, in the feature's order. */
export function findMissingServices(used: readonly string[], manifest: ManifestPayload | null): string[] {
  const deployed = new Set((manifest?.services ?? []).map((service) => service.id));
  return used.filter((id) => !deployed.has(id));
}

function checkServiceGate(used: readonly string[], manifest: ManifestPayload | null): { reasonCode: 'needs-service'; reason: string } | null {
  const missing = findMissingServices(used, manifest);
  if (missing.length === 0) return null;
  const names = missing.map((id) => `"${id}"`).join(', ');
  return { reasonCode: 'needs-service', reason: `Waiting for service ${names}: the beta server does not run it yet (not deployed in the signed manifest)` };
}

type Verdict = Pick<PlanDecision, 'action' | 'reasonCode' | 'reason'>;

function decideListed(entry: ManifestFeature, feature: PlanInput['registry'][number], bucket: number, input: PlanInput): Verdict {
  const { id } = entry;
  const { requiresAccount } = feature;
  if (entry.killed) {
    const forced = input.overrides[id] === 'on' ? ' (QA force-on does not override it)' : '';
    return { action: 'uninstall', reasonCode: 'killed', reason: `Turned off everywhere by the kill switch${forced}` };
  }
  // Owners are judged from the build: a manifest entry that leaves them out must not let an owner review their own feature.
  const problems = findSignOffProblems({ ...entry, owners: [...feature.owners, ...entry.owners] });
  if (problems.length > 0 && !input.allowUnreviewed) {
    return { action: 'uninstall', reasonCode: 'sign-offs', reason: `Sign-offs not in order: ${problems.map((p) => p.message).join('; ')}` };
  }
  const unreviewed = problems.length > 0 ? ` (UNREVIEWED: allowed only in this local build: ${problems.map((p) => p.message).join('; ')})` : '';
  const services = feature.services ?? [];
  // A feature on beta services is account-gated whatever its feature.json says: the services are.
  const gate = checkAccountGate(requiresAccount || entry.requiresAccount || services.length > 0, input.account) ?? checkServiceGate(services, input.manifest);
  const override = input.overrides[id];
  if (override === 'off') return { action: 'disable', reasonCode: 'qa-off', reason: `Forced off by QA${unreviewed}` };
  // Withdrawn or never given consent uninstalls: what the feature kept locally goes with it.
  const consent = checkConsentGate(feature.dataCollection ?? [], input.dataConsent);
  if (override === 'on') {
    if (gate) return { action: 'disable', ...gate, reason: `${gate.reason}: QA force-on bypasses rollout, targeting and opt-out, not the account gate${unreviewed}` };
    if (consent) return { action: 'uninstall', ...consent, reason: `${consent.reason}: QA force-on does not bypass the user's consent${unreviewed}` };
    return { action: 'install', reasonCode: 'qa-on', reason: `Forced on by QA: rollout, targeting and opt-out are bypassed (the account gate still applies)${unreviewed}` };
  }
  if (input.optOuts.includes(id)) return { action: 'disable', reasonCode: 'opted-out', reason: `Turned off by the user${unreviewed}` };
  const mismatch = findTargetingMismatch(entry.targeting ?? {}, input.environment);
  if (mismatch) return { action: 'uninstall', reasonCode: 'targeting', reason: `Not targeted at this browser: ${mismatch}${unreviewed}` };
  const rollout = `Rollout ${formatRollout(entry.rollout)}`;
  if (!isBucketInRollout(bucket, entry.rollout)) {
    return { action: 'uninstall', reasonCode: 'rollout', reason: `${rollout}: this browser's bucket ${bucket} is at or above ${entry.rollout}${unreviewed}` };
  }
  if (gate) return { action: 'disable', ...gate, reason: `${gate.reason}${unreviewed}` };
  if (consent) return { action: 'uninstall', ...consent, reason: `${consent.reason}${unreviewed}` };
  return { action: 'install', reasonCode: 'eligible', reason: `${rollout}: this browser's bucket ${bucket} is below ${entry.rollout}${unreviewed}` };
}

/**
 * One decision per feature known to the manifest, the build's registry or the
 * host's ledger, sorted by id.
 *
 * @example
 * const plan = await planFeatures({ manifest, registry: featureRegistry, unit, environment,
 *   account: { signedIn: false, termsAccepted: false }, overrides: {}, optOuts: [], allowUnreviewed: false });
 * await host.reconcile(plan);
 */
export async function planFeatures(input: PlanInput): Promise<PlanDecision[]> {
  const entries = new Map((input.manifest?.features ?? []).map((entry) => [entry.id, entry]));
  const registered = new Map(input.registry.map((feature) => [feature.id, feature]));
  const ids = new Set([...entries.keys(), ...registered.keys(), ...(input.installed ?? [])]);
  const sorted = [...ids].sort();
  // Only a feature this build ships can be installed, so only its bucket is worth a digest; all at once.
  const buckets = await Promise.all(sorted.map((id) => (entries.has(id) && registered.has(id) ? readBucket(id, input.unit) : null)));
  const decisions: PlanDecision[] = [];
  for (const [index, id] of sorted.entries()) {
    const entry = entries.get(id);
    const bucket = buckets[index] ?? null;
    const base = { id, bucket, rollout: entry?.rollout ?? null, ...(entry ? { entry } : {}) };
    const feature = registered.get(id);
    if (!input.manifest) {
      decisions.push({ ...base, action: 'keep', reasonCode: 'no-manifest', reason: 'No verified manifest yet: installed features stay as they are' });
    } else if (!entry) {
      decisions.push({ ...base, action: 'uninstall', reasonCode: 'not-in-manifest', reason: 'Not in the current manifest' });
    } else if (!feature) {
      decisions.push({ ...base, action: 'uninstall', reasonCode: 'not-in-build', reason: `In the manifest but not in this build of the add-on` });
    } else {
      decisions.push({ ...base, ...decideListed(entry, feature, bucket!, input) });
    }
  }
  return decisions;
}
