/**
 * Decides, for every feature this browser knows of, whether it should be
 * installed, disabled (data kept) or uninstalled (data wiped), and says why:
 * a stable reason code and the parameters its words need. The add-on's pages
 * turn both into a sentence in the user's language (extension/ui/reason-view.ts).
 * Pure: same input, same plan.
 *
 * It lives in protocol/ because who gets a feature is part of the contract:
 * the benchmarks and the fleet simulation run exactly the add-on's rules.
 */
import type { HaltEntry } from './halt-document';
import { checkSignOffs, type ManifestFeature, type ManifestPayload, type SignOffProblem, type Targeting } from './manifest-schema';
import { isBucketInRollout, readBucket } from './rollout';
import type { RolloutInForce } from './stage-clock';
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
  /**
   * Staged and halted features' rollouts in force (stage-clock.ts
   * readRolloutsInForce); any other feature has its signed `rollout`.
   */
  inForce?: ReadonlyMap<string, RolloutInForce>;
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
  | 'halted'
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

/** Why a targeting rule leaves this browser out: the rule, this browser's value and what the rule allows. */
export type TargetingMismatch =
  | { rule: 'hostVersion' | 'firefoxVersion'; actual: string; min?: string; max?: string }
  | { rule: 'os' | 'locale'; actual: string; allowed: string[] };

/** What the words of a reason need beside its code. */
export interface ReasonDetail {
  /** QA forced the feature on: the reason says what that does not bypass. */
  forcedOn?: boolean;
  /** Sign-off problems: why it is refused (sign-offs) or, in a local build, what it is installed despite (unreviewed). */
  signOffs?: Array<Omit<SignOffProblem, 'message'>>;
  unreviewed?: boolean;
  targeting?: TargetingMismatch;
  /** needs-consent: the categories not granted; needs-service: the services not deployed. */
  missing?: string[];
  /** rollout, eligible: the beta server's halt holds the feature at its stage. */
  held?: boolean;
}

export interface PlanDecision {
  id: string;
  action: PlanAction;
  entry?: ManifestFeature;
  reasonCode: PlanReasonCode;
  detail: ReasonDetail;
  /** This browser's bucket for the feature (0–9999), when the manifest lists it and this build ships it. */
  bucket: number | null;
  /** The feature's rollout in force in basis points (its stage's, held by a freeze), when the manifest lists it. */
  rollout: number | null;
  /** For a staged feature: the stage in force (0-based, -1 before the plan starts) and how many there are. */
  stage?: { index: number; count: number; nextAt: string | null };
  /** The beta server's halt on the feature, when one applies. */
  halt?: Pick<HaltEntry, 'action' | 'reason' | 'haltedAt'>;
}

/** The first targeting rule this browser fails, or null when all pass. */
export function findTargetingMismatch(targeting: Targeting, env: PlanEnvironment): TargetingMismatch | null {
  for (const rule of ['hostVersion', 'firefoxVersion'] as const) {
    const range = targeting[rule];
    if (range && !isVersionInRange(env[rule], range)) return { rule, actual: env[rule], ...range };
  }
  if (targeting.os && targeting.os.length > 0 && !targeting.os.includes(env.os)) return { rule: 'os', actual: env.os, allowed: targeting.os };
  if (targeting.locales && targeting.locales.length > 0 && !targeting.locales.some((tag) => matchesLocale(env.locale, tag))) {
    return { rule: 'locale', actual: env.locale, allowed: targeting.locales };
  }
  return null;
}

type Verdict = Pick<PlanDecision, 'action' | 'reasonCode' | 'detail'>;
type Gate = Pick<PlanDecision, 'reasonCode' | 'detail'>;

function checkAccountGate(requiresAccount: boolean, account: PlanInput['account']): Gate | null {
  if (!requiresAccount) return null;
  if (!account.signedIn) return { reasonCode: 'needs-account', detail: {} };
  if (!account.termsAccepted) return { reasonCode: 'terms', detail: {} };
  return null;
}

/** The categories a feature sends that the user has not granted, in the feature's order. */
export function findMissingConsent(declared: readonly string[], consent: DataConsent | undefined): string[] {
  const granted = new Set(consent?.granted ?? []);
  return declared.filter((category) => !granted.has(category));
}

/** The services a feature uses that the manifest does not deploy, in the feature's order. */
export function findMissingServices(used: readonly string[], manifest: ManifestPayload | null): string[] {
  const deployed = new Set((manifest?.services ?? []).map((service) => service.id));
  return used.filter((id) => !deployed.has(id));
}

/** A gate when something is missing: consent categories or services. */
function checkMissing(reasonCode: 'needs-consent' | 'needs-service', missing: string[]): Gate | null {
  return missing.length > 0 ? { reasonCode, detail: { missing } } : null;
}

function decideListed(entry: ManifestFeature, feature: PlanInput['registry'][number], bucket: number, input: PlanInput, inForce: RolloutInForce): Verdict {
  const { id } = entry;
  const { requiresAccount } = feature;
  const override = input.overrides[id];
  if (entry.killed) return { action: 'uninstall', reasonCode: 'killed', detail: override === 'on' ? { forcedOn: true } : {} };
  if (inForce.halt?.action === 'kill') return { action: 'uninstall', reasonCode: 'halted', detail: override === 'on' ? { forcedOn: true } : {} };
  // Owners are judged from the build: a manifest entry that leaves them out must not let an owner review their own feature.
  const signOffs = checkSignOffs({ ...entry, owners: [...feature.owners, ...entry.owners] });
  if (signOffs.length > 0 && !input.allowUnreviewed) return { action: 'uninstall', reasonCode: 'sign-offs', detail: { signOffs } };
  const unreviewed: ReasonDetail = signOffs.length > 0 ? { unreviewed: true, signOffs } : {};
  const verdict = (action: PlanAction, gate: Gate, extra: ReasonDetail = {}): Verdict => ({ action, reasonCode: gate.reasonCode, detail: { ...gate.detail, ...extra, ...unreviewed } });
  const services = feature.services ?? [];
  // A feature on beta services is account-gated whatever its feature.json says: the services are.
  const gate = checkAccountGate(requiresAccount || entry.requiresAccount || services.length > 0, input.account) ?? checkMissing('needs-service', findMissingServices(services, input.manifest));
  if (override === 'off') return verdict('disable', { reasonCode: 'qa-off', detail: {} });
  // Withdrawn or never given consent uninstalls: what the feature kept locally goes with it.
  const consent = checkMissing('needs-consent', findMissingConsent(feature.dataCollection ?? [], input.dataConsent));
  if (override === 'on') {
    if (gate) return verdict('disable', gate, { forcedOn: true });
    if (consent) return verdict('uninstall', consent, { forcedOn: true });
    return verdict('install', { reasonCode: 'qa-on', detail: {} });
  }
  if (input.optOuts.includes(id)) return verdict('disable', { reasonCode: 'opted-out', detail: {} });
  const targeting = findTargetingMismatch(entry.targeting ?? {}, input.environment);
  if (targeting) return verdict('uninstall', { reasonCode: 'targeting', detail: { targeting } });
  const held: ReasonDetail = inForce.halt ? { held: true } : {};
  if (!isBucketInRollout(bucket, inForce.rollout)) return verdict('uninstall', { reasonCode: 'rollout', detail: held });
  if (gate) return verdict('disable', gate);
  if (consent) return verdict('uninstall', consent);
  return verdict('install', { reasonCode: 'eligible', detail: held });
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
    const inForce = entry && (input.inForce?.get(id) ?? { rollout: entry.rollout });
    const halt = inForce?.halt;
    const base = {
      id,
      bucket,
      rollout: inForce?.rollout ?? null,
      ...(entry ? { entry } : {}),
      ...(inForce?.stage ? { stage: inForce.stage } : {}),
      ...(halt ? { halt: { action: halt.action, reason: halt.reason, haltedAt: halt.haltedAt } } : {}),
    };
    const feature = registered.get(id);
    if (!input.manifest) {
      decisions.push({ ...base, action: 'keep', reasonCode: 'no-manifest', detail: {} });
    } else if (!entry) {
      decisions.push({ ...base, action: 'uninstall', reasonCode: 'not-in-manifest', detail: {} });
    } else if (!feature) {
      decisions.push({ ...base, action: 'uninstall', reasonCode: 'not-in-build', detail: {} });
    } else {
      decisions.push({ ...base, ...decideListed(entry, feature, bucket!, input, inForce!) });
    }
  }
  return decisions;
}
