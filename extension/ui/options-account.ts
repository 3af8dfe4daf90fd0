/**
 * The beta-account section of the QA panel: sign in, sign up under the
 * beta terms, sign out, and accept changed terms. The forms live in
 * options.html and are only shown or hidden, so a status poll never wipes
 * what the user is typing.
 */
import type { HostStatus, Terms } from '../messages';
import { byId, describeFailure, runDisabled, showMessage } from './dom';
import type { HostClient } from './host-client';
import { describeAccount, toSafeLink } from './render-status';

export interface AccountSectionDeps {
  request: HostClient;
  /** Called with the status the background returns after each action. */
  onStatus(status: HostStatus): void;
  now?: () => number;
}

/** A failed terms load is retried at most this often while the page is open. */
const TERMS_RETRY_MS = 30_000;

export function setUpAccountSection({ request, onStatus, now = Date.now }: AccountSectionDeps): { render(status: HostStatus): void } {
  const message = byId('account-message');
  const signInForm = byId<HTMLFormElement>('sign-in-form');
  const signUpForm = byId<HTMLFormElement>('sign-up-form');
  const signUpSubmit = byId<HTMLButtonElement>('sign-up-submit');
  let terms: Terms | null = null;
  let termsLoading = false;
  let termsFailedAt = -Infinity;

  async function loadTerms(): Promise<Terms | null> {
    if (termsLoading) return terms;
    termsLoading = true;
    try {
      terms = await request({ type: 'sbc:terms' });
      showTermsLinks(terms);
      showMessage(byId('terms-error'), '');
      return terms;
    } catch (error) {
      termsFailedAt = now();
      showMessage(byId('terms-error'), `The beta terms could not be loaded, so sign-up is not possible yet: ${describeFailure(error)}`, true);
      return null;
    } finally {
      termsLoading = false;
      signUpSubmit.disabled = terms === null;
    }
  }

  async function act(controls: Array<HTMLButtonElement | HTMLFieldSetElement>, work: () => Promise<string>): Promise<void> {
    showMessage(message, '');
    await runDisabled(controls, async () => {
      try {
        showMessage(message, await work());
      } catch (error) {
        showMessage(message, describeFailure(error), true);
      }
    });
  }

  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = byId<HTMLInputElement>('sign-in-email').value.trim();
    const password = byId<HTMLInputElement>('sign-in-password');
    void act([byId<HTMLFieldSetElement>('sign-in-fields')], async () => {
      onStatus(await request({ type: 'sbc:login', email, password: password.value }));
      password.value = '';
      return `Signed in as ${email}.`;
    });
  });

  signUpForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = byId<HTMLInputElement>('sign-up-email').value.trim();
    const password = byId<HTMLInputElement>('sign-up-password');
    const accepted = byId<HTMLInputElement>('sign-up-accept');
    void act([byId<HTMLFieldSetElement>('sign-up-fields')], async () => {
      // The form's `required` already stops an unticked box; this guards a forced submit.
      if (!accepted.checked) throw new Error('Tick "I accept the beta Terms of Service and Privacy Notice" to create a beta account.');
      const current = terms ?? (await loadTerms());
      if (!current) throw new Error('The beta terms could not be loaded, so the account cannot be created yet.');
      onStatus(await request({ type: 'sbc:signup', email, password: password.value, acceptedTerms: current.terms.version }));
      password.value = '';
      accepted.checked = false;
      return `Beta account created for ${email}. You are signed in.`;
    });
  });

  byId('sign-out').addEventListener('click', () => {
    void act([byId<HTMLButtonElement>('sign-out')], async () => {
      onStatus(await request({ type: 'sbc:logout' }));
      return 'Signed out of the beta account.';
    });
  });

  byId('delete-account').addEventListener('click', () => {
    const email = byId('account-email').textContent ?? 'this account';
    // Erasing is final on the beta server: ask once, in plain words.
    if (!confirm(`Delete the beta account ${email}? Its notes, feedback and sessions are erased on the beta server. This cannot be undone.`)) return;
    void act([byId<HTMLButtonElement>('delete-account')], async () => {
      onStatus(await request({ type: 'sbc:delete-account' }));
      return 'Beta account deleted, with everything the beta server kept for it.';
    });
  });

  byId('accept-terms').addEventListener('click', () => {
    void act([byId<HTMLButtonElement>('accept-terms')], async () => {
      // Ask again rather than trusting a cached version: the terms just changed.
      terms = null;
      const current = await loadTerms();
      if (!current) throw new Error('The beta terms could not be loaded; try again in a moment.');
      onStatus(await request({ type: 'sbc:accept-terms', acceptedTerms: current.terms.version }));
      return `Accepted the beta terms version ${current.terms.version}.`;
    });
  });

  return {
    render(status: HostStatus): void {
      const view = describeAccount(status);
      byId('account-signed-in').hidden = !view.signedIn;
      byId('account-signed-out').hidden = view.signedIn;
      byId('account-email').textContent = view.email ?? '';
      byId('terms-outdated').hidden = !view.termsOutdated;
      const needsTerms = !view.signedIn || view.termsOutdated;
      if (needsTerms && terms === null && now() - termsFailedAt >= TERMS_RETRY_MS) void loadTerms();
    },
  };
}

function showTermsLinks(terms: Terms): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-terms-link]')) {
    const which = link.dataset.termsLink === 'privacy' ? terms.privacy : terms.terms;
    const href = toSafeLink(which.url);
    if (href) link.href = href;
    else link.removeAttribute('href');
    link.title = `Version ${which.version}`;
  }
}
