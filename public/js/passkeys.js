// Passkeys (WebAuthn) on My account and the login pages, with @simplewebauthn/browser served by the
// app. Without JavaScript or WebAuthn the passkey buttons stay hidden and the password still works.
(() => {
  'use strict';
  const lib = window.SimpleWebAuthnBrowser;
  // The page's texts in its language (data-msg-* on <body>), English when a page has none.
  const text = (name, english) => (document.body && document.body.dataset[name]) || english;
  const supported = !!lib && lib.browserSupportsWebAuthn();

  async function post(url, fields) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(fields),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || text('msgReload', 'Something went wrong. Reload the page and try again.'));
    return data;
  }

  // What the browser's own errors mean to a person.
  function messageOf(error) {
    if (error && error.name === 'NotAllowedError')
      return text('msgCancelled', 'No passkey was used: it was cancelled, timed out, or there is no passkey for this instance here.');
    if (error && error.name === 'InvalidStateError') return text('msgRegistered', 'This passkey is already registered.');
    return (error && error.message) || text('msgRetry', 'Something went wrong. Try again.');
  }

  function wire(root, run) {
    const button = root.querySelector('[data-passkey-button]');
    const error = root.querySelector('[data-passkey-error]');
    if (!button) return;
    if (!supported) {
      // No WebAuthn here (an old browser, or a page not served over https): the passkey part stays out of the way.
      root.hidden = true;
      const note = root.parentElement && root.parentElement.querySelector('[data-passkey-unsupported]');
      if (note) note.hidden = false;
      return;
    }
    const go = async (event) => {
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      if (error) error.textContent = '';
      try {
        const csrf = root.querySelector('[data-passkey-csrf]').value;
        const done = await run(csrf);
        window.location.assign(done.redirect);
      } catch (e) {
        if (error) error.textContent = messageOf(e);
        button.disabled = false;
      }
    };
    if (root.tagName === 'FORM') root.addEventListener('submit', go);
    else button.addEventListener('click', go);
  }

  document.querySelectorAll('[data-passkey-register]').forEach((form) =>
    wire(form, async (csrf) => {
      const name = form.elements.name.value.trim();
      if (!name) throw new Error(text('msgName', 'Give the passkey a name.'));
      const optionsJSON = await post(form.dataset.options, { _csrf: csrf });
      const response = await lib.startRegistration({ optionsJSON });
      return post(form.dataset.verify, { _csrf: csrf, name, response: JSON.stringify(response) });
    }),
  );

  document.querySelectorAll('[data-passkey-login]').forEach((box) =>
    wire(box, async (csrf) => {
      const optionsJSON = await post(box.dataset.options, { _csrf: csrf });
      const response = await lib.startAuthentication({ optionsJSON });
      const fields = { _csrf: csrf, response: JSON.stringify(response) };
      if (box.dataset.next) fields.next = box.dataset.next;
      return post(box.dataset.verify, fields);
    }),
  );
})();
