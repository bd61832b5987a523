import { heed } from './analytics';

const view = document.getElementById('view')!;
const todos: { text: string; done: boolean; at: number }[] = [];

function home(): void {
  view.innerHTML = `
    <h2>Todos</h2>
    <form id="add"><input id="text" placeholder="What needs doing?" autocomplete="off"> <button>Add</button></form>
    <ul id="list"></ul>`;
  const list = document.getElementById('list')!;
  const text = document.getElementById('text') as HTMLInputElement;
  const render = () => {
    list.replaceChildren(
      ...todos.map((todo) => {
        const item = document.createElement('li');
        const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: todo.done, disabled: todo.done });
        box.onchange = () => {
          todo.done = true;
          heed.track('Todo Completed', { age_ms: Date.now() - todo.at });
          render();
        };
        item.append(box, ' ', todo.text);
        return item;
      }),
    );
  };
  document.getElementById('add')!.onsubmit = (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    todos.push({ text: text.value.trim(), done: false, at: Date.now() });
    // Checked against Events: { length: number; open: number }.
    heed.track('Todo Added', { length: text.value.trim().length, open: todos.filter((t) => !t.done).length });
    text.value = '';
    render();
  };
  render();
}

function settings(): void {
  view.innerHTML = `
    <h2>Settings</h2>
    <label><input type="checkbox" id="analytics"> Share usage analytics</label>
    <p class="hint">Counts which features are used. Nothing is stored on this device or sent while this is off.
      Status: <strong id="consent-status"></strong></p>`;
  const box = document.getElementById('analytics') as HTMLInputElement;
  const show = () => {
    box.checked = heed.consent.status() === 'granted';
    document.getElementById('consent-status')!.textContent = heed.consent.status();
  };
  box.onchange = () => {
    if (box.checked) heed.opt_in_tracking();
    else heed.opt_out_tracking(); // also removes what heed stored and anything still queued
  };
  heed.onConsentChange(show); // this tab, or another tab of the app
  show();
  heed.track('Settings Viewed');
}

function route(): void {
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('current', a.getAttribute('href') === (location.hash || '#/')));
  if (location.hash === '#/settings') settings();
  else home();
}

addEventListener('hashchange', route);
route();
