/**
 * The beta-account section of the QA panel: sign in, sign up under the
 * beta terms, sign out, and accept changed terms. The forms live in
 * options.html and are only shown or hidden, so a status poll never wipes
 * what the user is typing.
 */
import { t } from '../i18n';
import type { HostStatus, Terms } from '../messages';
import { byId, describeFailure, runDisabled, showMessage } from './dom';
import { HostRequestError, type HostClient } from './host-client';
import { describeAccount, toSafeLink } from './render-status';

export interface AccountSectionDeps {
  request: HostClient;
  /** Called with the status the background returns after each action. */
  onStatus(status: HostStatus): void;
}

export interface AccountSection {
  render(status: HostStatus): void;
  /** Sign-up or changed terms wait for the terms, which have not loaded yet. */
  needsTerms(): boolean;
  /** Asks the background for the terms now; resolves to null when they could not be loaded. */
  loadTerms(): Promise<Terms | null>;
}

/**
 * The terms are retried by the page's reconnect loop (options.ts), on a
 * short backoff, so sign-up opens within seconds of the server coming back.
 */
export function setUpAccountSection({ request, onStatus }: AccountSectionDeps): AccountSection {
  const message = byId('account-message');
  const signInForm = byId<HTMLFormElement>('sign-in-form');
  const signUpForm = byId<HTMLFormElement>('sign-up-form');
  const signUpSubmit = byId<HTMLButtonElement>('sign-up-submit');
  let terms: Terms | null = null;
  let termsLoading: Promise<Terms | null> | null = null;
  let needsTerms = false;

  function loadTerms(): Promise<Terms | null> {
    termsLoading ??= request({ type: 'sbc:terms' })
      .then(
        (loaded) => {
          terms = loaded;
          showTermsLinks(loaded);
          showMessage(byId('terms-error'), '');
          byId('terms-waiting').hidden = true;
          return loaded;
        },
        (error: unknown) => {
          // An unreachable server is said once, by the page's status line; the form only says it waits.
          const unreachable = error instanceof HostRequestError && error.code === 'network';
          showMessage(byId('terms-error'), unreachable ? '' : t('termsLoadFailed', describeFailure(error)), true);
          byId('terms-waiting').hidden = !unreachable;
          return null;
        },
      )
      .finally(() => {
        termsLoading = null;
        signUpSubmit.disabled = terms === null;
      });
    return termsLoading;
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
      return t('signedInAs', email);
    });
  });

  signUpForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = byId<HTMLInputElement>('sign-up-email').value.trim();
    const password = byId<HTMLInputElement>('sign-up-password');
    const accepted = byId<HTMLInputElement>('sign-up-accept');
    void act([byId<HTMLFieldSetElement>('sign-up-fields')], async () => {
      // The form's `required` already stops an unticked box; this guards a forced submit.
      if (!accepted.checked) throw new Error(t('signUpTickTerms'));
      const current = terms ?? (await loadTerms());
      if (!current) throw new Error(t('signUpNoTerms'));
      onStatus(await request({ type: 'sbc:signup', email, password: password.value, acceptedTerms: current.terms.version }));
      password.value = '';
      accepted.checked = false;
      return t('accountCreated', email);
    });
  });

  byId('sign-out').addEventListener('click', () => {
    void act([byId<HTMLButtonElement>('sign-out')], async () => {
      onStatus(await request({ type: 'sbc:logout' }));
      return t('signedOut');
    });
  });

  byId('delete-account').addEventListener('click', () => {
    const email = byId('account-email').textContent || t('thisAccount');
    // Erasing is final on the beta server: ask once, in plain words.
    if (!confirm(t('deleteAccountConfirm', email))) return;
    void act([byId<HTMLButtonElement>('delete-account')], async () => {
      onStatus(await request({ type: 'sbc:delete-account' }));
      return t('accountDeleted');
    });
  });

  byId('accept-terms').addEventListener('click', () => {
    void act([byId<HTMLButtonElement>('accept-terms')], async () => {
      // Ask again rather than trusting a cached version: the terms just changed.
      terms = null;
      const current = await loadTerms();
      if (!current) throw new Error(t('acceptTermsNoTerms'));
      onStatus(await request({ type: 'sbc:accept-terms', acceptedTerms: current.terms.version }));
      return t('termsAccepted', current.terms.version);
    });
  });

  return {
    render(status: HostStatus): void {
      const view = describeAccount(status);
      byId('account-signed-in').hidden = !view.signedIn;
      byId('account-signed-out').hidden = view.signedIn;
      byId('account-email').textContent = view.email ?? '';
      byId('terms-outdated').hidden = !view.termsOutdated;
      needsTerms = !view.signedIn || view.termsOutdated;
    },
    needsTerms: () => needsTerms && terms === null,
    loadTerms,
  };
}

function showTermsLinks(terms: Terms): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-terms-link]')) {
    const which = link.dataset.termsLink === 'privacy' ? terms.privacy : terms.terms;
    const href = toSafeLink(which.url);
    if (href) link.href = href;
    else link.removeAttribute('href');
    link.title = t('termsVersion', which.version);
  }
}
