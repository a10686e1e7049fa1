// Progressive enhancement of the server-rendered pages. Every form works without this file:
// menus are then plain rows of buttons, Add role submits, and confirmations are their own pages.
(() => {
  'use strict';

  // --- Menu buttons (WAI-ARIA menu button pattern) -----------------------------------------
  const items = (menu) => [...menu.querySelectorAll('[role="menuitem"]')];

  function setUpMenu(button) {
    const menu = document.getElementById(button.getAttribute('aria-controls'));
    if (!menu) return;
    menu.setAttribute('role', 'menu');
    menu.querySelectorAll('li').forEach((li) => li.setAttribute('role', 'none'));
    menu.querySelectorAll('.menu-item').forEach((item) => {
      item.setAttribute('role', 'menuitem');
      item.tabIndex = -1;
    });

    const open = (focus) => {
      closeAllMenus(menu);
      menu.classList.add('open');
      button.setAttribute('aria-expanded', 'true');
      const list = items(menu);
      if (list.length) (focus === 'last' ? list[list.length - 1] : list[0]).focus();
    };
    const close = (returnFocus) => {
      menu.classList.remove('open');
      button.setAttribute('aria-expanded', 'false');
      if (returnFocus) button.focus();
    };
    menu._close = close;

    button.addEventListener('click', (event) => {
      event.preventDefault();
      if (menu.classList.contains('open')) close(true);
      else open('first');
    });
    button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open('first');
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        open('last');
      }
    });
    menu.addEventListener('keydown', (event) => {
      const list = items(menu);
      const index = list.indexOf(document.activeElement);
      const move = (to) => {
        event.preventDefault();
        list[(to + list.length) % list.length].focus();
      };
      if (event.key === 'ArrowDown') move(index + 1);
      else if (event.key === 'ArrowUp') move(index - 1);
      else if (event.key === 'Home') move(0);
      else if (event.key === 'End') move(list.length - 1);
      else if (event.key === 'Escape') {
        event.preventDefault();
        close(true);
      } else if (event.key === 'Tab') close(false);
      else if (event.key === ' ' && document.activeElement?.tagName === 'A') {
        event.preventDefault();
        document.activeElement.click();
      }
    });
    // Choosing an item closes the menu (its own action then runs).
    menu.addEventListener('click', (event) => {
      if (event.target.closest('[role="menuitem"]')) close(false);
    });
  }

  function closeAllMenus(except) {
    document.querySelectorAll('[data-menu].open').forEach((menu) => {
      if (menu !== except && menu._close) menu._close(false);
    });
  }

  document.addEventListener('click', (event) => {
    if (!event.target.closest('.menu-wrap')) closeAllMenus();
  });

  // --- Confirmation dialogs -----------------------------------------------------------------
  let dialogOpener = null;

  function openDialog(dialog, opener) {
    dialogOpener = opener;
    dialog.showModal();
    const ok = dialog.querySelector('[type="submit"]') || dialog.querySelector('[data-dialog-cancel]');
    ok?.focus();
  }

  document.addEventListener('click', (event) => {
    // An item that asks first: a link to the no-JavaScript confirmation page, or a submit button
    // (bulk send) whose dialog's OK then submits the same form.
    const trigger = event.target.closest('[data-dialog]');
    const dialog = trigger && document.getElementById(trigger.dataset.dialog);
    if (dialog) {
      event.preventDefault();
      openDialog(dialog, trigger.closest('.menu-wrap')?.querySelector('[data-menu-button]') || trigger);
      return;
    }
    const cancel = event.target.closest('[data-dialog-cancel]');
    if (cancel) cancel.closest('dialog')?.close();
  });

  document.querySelectorAll('dialog').forEach((dialog) => {
    dialog.addEventListener('close', () => {
      dialogOpener?.focus();
      dialogOpener = null;
    });
  });

  // --- Roles panel: add and remove lines without a round trip ----------------------------------
  document.addEventListener('click', (event) => {
    const add = event.target.closest('[data-add-role]');
    if (add) {
      const panel = add.closest('section');
      const template = panel.querySelector('#role-line-template');
      const body = panel.querySelector('[data-role-lines]');
      if (!template || !body) return;
      event.preventDefault();
      const row = template.content.firstElementChild.cloneNode(true);
      body.appendChild(row);
      renumberRoleLines(body);
      panel.querySelector('[data-no-roles]')?.remove();
      row.querySelector('select').focus();
      return;
    }
    const remove = event.target.closest('[data-remove-role]');
    if (remove) {
      const body = remove.closest('[data-role-lines]');
      if (!body) return;
      event.preventDefault();
      remove.closest('tr').remove();
      renumberRoleLines(body);
      body.closest('section').querySelector('[data-add-role]')?.focus();
    }
  });

  function renumberRoleLines(body) {
    body.querySelectorAll('tr').forEach((row, index) => {
      const button = row.querySelector('[data-remove-role]');
      if (!button) return;
      button.type = 'button';
      button.setAttribute('aria-label', (document.body.dataset.msgRemoveRole || 'Remove role {n}').replace('{n}', String(index + 1)));
    });
  }

  // --- Users list: select all on this page ------------------------------------------------------
  document.addEventListener('change', (event) => {
    const all = event.target.closest('[data-select-all]');
    if (!all) return;
    all
      .closest('table')
      .querySelectorAll('tbody input[type="checkbox"]')
      .forEach((box) => {
        box.checked = all.checked;
      });
  });

  // --- Import users: the progress bar follows the import; the finished page replaces it ----------
  function followImport(box) {
    const bar = box.querySelector('progress');
    const text = box.querySelector('[data-progress-text]');
    const poll = async () => {
      try {
        const res = await fetch(box.dataset.importProgress, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (res.ok) {
          const { status, done, total } = await res.json();
          if (status !== 'queued' && status !== 'running') return window.location.reload();
          bar.max = total;
          bar.value = done;
          // The page's own words for it (data-msg-progress, in the reader's language), numbers filled in.
          const percent = total ? Math.floor((done * 100) / total) : 0;
          const values = { done, total, percent };
          text.textContent = box.dataset.msgProgress.replace(/\{(done|total|percent)\}/g, (_, name) => String(values[name]));
        }
      } catch {
        // offline for a moment: try again at the next tick
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 1000);
  }

  document.querySelectorAll('[data-menu-button]').forEach(setUpMenu);
  document.querySelectorAll('[data-role-lines]').forEach(renumberRoleLines);
  document.querySelectorAll('[data-import-progress]').forEach(followImport);
})();
