// Switchboard console and portal: the only script. Pages work without it; it adds a copy button and the
// portal's try-a-call form (which must run in the browser, so the app's key never passes through our server).

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) return;
  const status = button.parentElement?.querySelector('.copied');
  const done = (text) => {
    if (status) status.textContent = text;
  };
  field.select();
  if (navigator.clipboard?.writeText) {
    navigator.clipboard.writeText(field.value).then(
      () => done('Copied.'),
      () => done('Selected: press Ctrl+C (⌘C) to copy.'),
    );
  } else {
    done('Selected: press Ctrl+C (⌘C) to copy.');
  }
});

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-try-call')) return;
  event.preventDefault();
  const out = form.querySelector('output');
  const data = new FormData(form);
  const method = String(data.get('method') || 'GET');
  const headers = { authorization: `Bearer ${String(data.get('key') || '').trim()}` };
  const init = { method, headers };
  const body = String(data.get('body') || '').trim();
  if (body && !['GET', 'HEAD', 'DELETE'].includes(method)) {
    headers['content-type'] = 'application/json';
    init.body = body;
  }
  out.textContent = 'Calling…';
  try {
    const res = await fetch(String(data.get('path') || '/'), init);
    const text = await res.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON: show it as it came.
    }
    out.textContent = `HTTP ${res.status}\n${shown}`;
    out.setAttribute('data-status', String(res.status));
  } catch (err) {
    out.textContent = `The call failed: ${err}`;
  }
});
