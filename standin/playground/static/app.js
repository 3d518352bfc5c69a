// The playground page: a Discord-like channel view over the stand-in. Plain JS, no build step.
"use strict";

const COLOURS = ["#5865f2", "#3ba55d", "#faa61a", "#ed4245", "#eb459e", "#9b59b6", "#1abc9c", "#e67e22", "#607d8b"];
const QUICK_REACTIONS = ["👍", "❤️", "🎉"];
const OPTION = { STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10 };

const state = {
  world: null, viewer: null, channel: null, messages: [], replyTo: null, dismissed: new Set(),
  command: null, popup: null, popupIndex: 0, refreshing: false, again: false, tourRunning: false,
};
const $ = (selector) => document.querySelector(selector);

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { as: params.get("as"), channel: params.get("channel") };
}

function toHash() {
  history.replaceState(null, "", `#as=${state.viewer}&channel=${state.channel}`);
}

// The viewer and the channel are kept by handle and name: they survive a reset, ids do not.
function me() {
  return member(state.viewer);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok || data.error) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = !text;
}

// ---- the world: server, channels, members, commands, tour --------------------------------------------

async function loadWorld() {
  const wanted = fromHash();
  const as = state.viewer || wanted.as || "";
  const world = await api("GET", `/api/world?as=${encodeURIComponent(as)}`);
  const changed = JSON.stringify(world) !== state.worldJson;
  state.world = world;
  state.worldJson = JSON.stringify(world);
  state.viewer = member(world.viewer).handle;
  const name = state.channel || wanted.channel;
  const channel = world.channels.find((c) => c.name === name);
  state.channel = name === "dm" ? "dm" : (channel || world.channels[0]).name;
  if (changed) { renderSidebar(); renderTour(); }
  toHash();
}

function member(id) {
  if (!state.world) return null;
  if (id === state.world.bot.id) return { id, name: state.world.bot.name, handle: "bot", bot: true };
  return state.world.members.find((m) => m.id === id || m.handle === id) || null;
}

function colour(id) {
  let sum = 0;
  for (const ch of String(id)) sum = (sum * 31 + ch.charCodeAt(0)) % 9973;
  return COLOURS[sum % COLOURS.length];
}

function renderSidebar() {
  const world = state.world;
  $("#guild-name").textContent = world.guild.name;
  $("#server-icon").title = world.guild.name;
  const list = $("#channels");
  list.replaceChildren(...world.channels.map((channel) => {
    const item = document.createElement("li");
    item.textContent = channel.name;
    item.dataset.name = channel.name;
    item.className = channel.name === state.channel ? "active" : "";
    item.onclick = () => { state.channel = channel.name; cancelReply(); renderSidebar(); toHash(); refresh(); };
    return item;
  }));
  const select = $("#viewer");
  select.replaceChildren(...world.members.map((m) => {
    const option = document.createElement("option");
    option.value = m.handle;
    option.textContent = m.name + (m.moderator ? " — moderator" : m.newcomer ? " — joined today" : "");
    option.dataset.handle = m.handle;
    return option;
  }));
  select.value = state.viewer;
  const dm = state.channel === "dm";
  const channel = dm ? { name: world.bot.name, topic: "Your direct messages with the bot" }
    : world.channels.find((c) => c.name === state.channel);
  $("#dm-link").className = dm ? "active" : "";
  $("#dm-link").onclick = () => { state.channel = "dm"; cancelReply(); renderSidebar(); toHash(); refresh(); };
  $("#dm-count").textContent = world.dm.messages;
  $("#dm-count").hidden = dm || !world.dm.messages;
  $("#channel-sigil").textContent = dm ? "@" : "#";
  $("#channel-name").textContent = channel.name;
  $("#channel-topic").textContent = channel.topic || "";
  $("#box").placeholder = `Message ${dm ? "@" : "#"}${channel.name} as ${me().name}`;
}

async function setViewer(handle) {
  state.viewer = handle;
  state.command = null;
  state.worldJson = null;
  renderCommandForm();
  await loadWorld();
  await refresh();
}

// ---- messages ---------------------------------------------------------------------------------------

async function refresh() {
  if (state.refreshing) { state.again = true; return; }
  state.refreshing = true;
  try {
    do {
      state.again = false;
      const data = await api("GET", `/api/channels/${state.channel}/messages?as=${state.viewer}`);
      state.messages = data.messages;
      renderMessages();
    } while (state.again);
  } catch (error) {
    showError(error.message);
  } finally {
    state.refreshing = false;
  }
}

function renderMessages() {
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const shown = state.messages.filter((m) => !state.dismissed.has(m.id));
  list.replaceChildren(...shown.map((message, index) => {
    const node = renderMessage(message);
    if (continues(shown[index - 1], message)) node.classList.add("grouped");
    return node;
  }));
  if (atBottom || !list.dataset.scrolled) { list.scrollTop = list.scrollHeight; list.dataset.scrolled = "1"; }
}

// Like Discord: the same author again within minutes, plainly, continues the previous message's block.
function continues(previous, message) {
  if (!previous || previous.author.id !== message.author.id) return false;
  if (message.referenced_message || message.interaction_metadata || message.ephemeral || previous.ephemeral) return false;
  return new Date(message.timestamp) - new Date(previous.timestamp) < 7 * 60 * 1000;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderMessage(message) {
  const author = member(message.author.id) || { name: message.author.global_name || message.author.username };
  const node = el("div", "msg");
  node.dataset.id = message.id;
  node.dataset.author = author.handle || "";
  if (message.ephemeral) node.classList.add("ephemeral");
  if (message.mentions.some((u) => u.id === me().id)) node.classList.add("mentioned");
  if (message.referenced_message) node.append(renderReference(message.referenced_message));
  if (message.interaction_metadata) {
    const user = member(message.interaction_metadata.user.id);
    const used = el("div", "used", `${user ? user.name : "someone"} ${message.interaction_metadata.label}`);
    node.append(used);
  }
  const avatar = el("div", "avatar", author.name.slice(0, 1).toUpperCase());
  avatar.style.background = author.bot ? "#5865f2" : colour(message.author.id);
  node.append(avatar);
  const head = el("div", "head");
  const name = el("span", "name" + (author.bot ? " bot" : author.moderator ? " mod" : ""), author.name);
  head.append(name);
  if (author.bot) head.append(el("span", "tag", "APP"));
  const time = el("time", "", when(message.timestamp));
  time.dateTime = message.timestamp;
  head.append(time);
  node.append(head);
  if (message.loading) node.append(el("div", "content loading", `${author.name} is thinking…`));
  else if (message.content) {
    const content = renderContent(message.content);
    if (message.edited_timestamp) content.append(el("span", "edited", " (edited)"));
    node.append(content);
  }
  for (const embed of message.embeds) node.append(renderEmbed(embed));
  for (const attachment of message.attachments) node.append(renderAttachment(attachment));
  for (const row of message.components) node.append(renderRow(message, row));
  if (message.reactions) node.append(renderReactions(message));
  if (message.ephemeral) node.append(renderEphemeralNote(message));
  node.append(renderActions(message));
  return node;
}

function renderReference(ref) {
  const who = member(ref.author.id) || { name: ref.author.username };
  const line = el("div", "ref");
  line.append(el("span", "who", "@" + who.name), " ", plain(ref.content).slice(0, 120));
  return line;
}

function when(iso) {
  const date = new Date(iso);
  const today = new Date();
  const clock = date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const days = Math.round((new Date(today.toDateString()) - new Date(date.toDateString())) / 86400000);
  if (days === 0) return `Today at ${clock}`;
  if (days === 1) return `Yesterday at ${clock}`;
  return `${date.toLocaleDateString()} ${clock}`;
}

function plain(text) {
  return text.replace(/<@!?(\d+)>/g, (_, id) => "@" + ((member(id) || {}).name || "unknown"))
    .replace(/<#(\d+)>/g, (_, id) => "#" + ((state.world.channels.find((c) => c.id === id) || {}).name || "channel"))
    .replace(/\*\*/g, "");
}

// Discord markdown, the little the bot uses: **bold**, `code`, mentions of members and channels.
function renderContent(text) {
  const node = el("div", "content");
  const pattern = /(<@!?\d+>|<#\d+>|\*\*[^*]+\*\*|`[^`]+`)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    node.append(text.slice(last, match.index));
    const token = match[0];
    if (token.startsWith("<@")) {
      const who = member(token.replace(/\D/g, ""));
      node.append(el("span", "mention", "@" + (who ? who.name : "unknown-user")));
    } else if (token.startsWith("<#")) {
      const channel = state.world.channels.find((c) => c.id === token.replace(/\D/g, ""));
      node.append(el("span", "mention", "#" + (channel ? channel.name : "unknown")));
    } else if (token.startsWith("**")) {
      node.append(el("b", "", token.slice(2, -2)));
    } else {
      node.append(el("code", "", token.slice(1, -1)));
    }
    last = match.index + token.length;
  }
  node.append(text.slice(last));
  return node;
}

function renderEmbed(embed) {
  const node = el("div", "embed");
  if (embed.color) node.style.borderLeftColor = "#" + embed.color.toString(16).padStart(6, "0");
  if (embed.title) node.append(el("div", "title", embed.title));
  if (embed.description) node.append(renderContent(embed.description));
  for (const field of embed.fields || []) {
    node.append(el("div", "field-name", field.name), renderContent(field.value));
  }
  if (embed.footer) node.append(el("div", "muted small", embed.footer.text));
  return node;
}

function renderAttachment(attachment) {
  const node = el("div", "attachment");
  if ((attachment.content_type || "").startsWith("image/")) {
    const image = el("img");
    image.src = attachment.url;
    image.alt = attachment.filename;
    node.append(image);
  } else {
    const file = el("div", "file");
    const link = el("a", "", attachment.filename);
    link.href = attachment.url;
    link.download = attachment.filename;
    file.append("📄 ", link, el("span", "muted small", `  ${Math.ceil(attachment.size / 1024)} KB`));
    node.append(file);
  }
  return node;
}

function renderRow(message, row) {
  const node = el("div", "row");
  for (const component of row.components || []) {
    if (component.type !== 2) continue;
    const button = el("button", `btn s${component.style || 2}`, component.label || (component.emoji || {}).name || "");
    button.disabled = Boolean(component.disabled) || message.loading;
    button.onclick = () => clickButton(message, component, button);
    node.append(button);
  }
  return node;
}

function renderReactions(message) {
  const node = el("div", "reactions");
  for (const reaction of message.reactions) {
    const chip = el("button", "reaction" + (reaction.me ? " me" : ""), `${reaction.emoji.name} ${reaction.count}`);
    chip.onclick = () => react(message, reaction.emoji.name);
    node.append(chip);
  }
  return node;
}

function renderEphemeralNote(message) {
  const note = el("div", "ephemeral-note", "👁 Only you can see this • ");
  const dismiss = el("button", "", "Dismiss message");
  dismiss.onclick = () => { state.dismissed.add(message.id); renderMessages(); };
  note.append(dismiss);
  return note;
}

function renderActions(message) {
  const bar = el("div", "actions");
  if (!message.ephemeral) {
    for (const emoji of QUICK_REACTIONS) {
      const button = el("button", "", emoji);
      button.title = `React with ${emoji}`;
      button.onclick = () => react(message, emoji);
      bar.append(button);
    }
    const reply = el("button", "", "↩ Reply");
    reply.onclick = () => startReply(message);
    bar.append(reply);
  }
  return bar;
}

// ---- acting -------------------------------------------------------------------------------------------

async function act(run) {
  showError("");
  try { await run(); } catch (error) { showError(error.message); }
  refresh();
}

function clickButton(message, component, button) {
  button.disabled = true;
  act(() => api("POST", `/api/messages/${message.id}/buttons`, { as: state.viewer, custom_id: component.custom_id }));
}

function react(message, emoji) {
  act(() => api("POST", `/api/messages/${message.id}/reactions`, { as: state.viewer, emoji }));
}

function startReply(message) {
  state.replyTo = message;
  const author = member(message.author.id) || { name: message.author.username };
  $("#reply-text").textContent = `Replying to ${author.name}`;
  $("#reply-bar").hidden = false;
  $("#box").focus();
}

function cancelReply() {
  state.replyTo = null;
  $("#reply-bar").hidden = true;
}

// "@Maya" in the box becomes <@id> on the way out, as the Discord client does.
function encodeMentions(text) {
  const people = [...state.world.members, { id: state.world.bot.id, name: state.world.bot.name, handle: "bot" }];
  const names = people.flatMap((m) => [[m.name, m.id], [m.handle, m.id]]).sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [name, id] of names) out = out.split("@" + name).join(`<@${id}>`);
  return out;
}

async function submit(event) {
  event.preventDefault();
  if (state.popup && state.popup.items.length) { choosePopup(state.popupIndex); return; }
  if (state.command) { await runCommand(); return; }
  const box = $("#box");
  const content = box.value.trim();
  if (!content) return;
  if (content.startsWith("/")) { showError("Pick a command from the list (type / and choose one)."); return; }
  const body = { as: state.viewer, content: encodeMentions(content) };
  if (state.replyTo) body.reply_to = state.replyTo.id;
  box.value = "";
  cancelReply();
  await act(() => api("POST", `/api/channels/${state.channel}/messages`, body));
}

// ---- @ mentions and / commands: the popup -----------------------------------------------------------------

function onInput() {
  const box = $("#box");
  const before = box.value.slice(0, box.selectionStart);
  const at = before.match(/@([^\s@]*)$/);
  if (!state.command && box.value.startsWith("/")) {
    const typed = box.value.slice(1).toLowerCase().replace(/\s+/g, " ");
    const items = state.world.commands.filter((c) => c.command.startsWith(typed) || c.command.includes(typed))
      .map((c) => ({ label: "/" + c.command, sub: c.description, command: c }));
    openPopup("commands", items);
  } else if (at) {
    const typed = at[1].toLowerCase();
    const people = [{ id: state.world.bot.id, name: state.world.bot.name, handle: "quidprono", bot: true },
      ...state.world.members];
    const items = people.filter((m) => m.name.toLowerCase().startsWith(typed) || m.handle.startsWith(typed))
      .map((m) => ({ label: "@" + m.name, sub: m.bot ? "APP" : m.handle, member: m, typed: at[0] }));
    openPopup("mentions", items);
  } else {
    closePopup();
  }
}

function openPopup(kind, items) {
  state.popup = { kind, items };
  state.popupIndex = 0;
  const popup = $("#popup");
  popup.replaceChildren(...items.map((item, index) => {
    const row = el("div", "item" + (index === 0 ? " selected" : ""));
    row.append(el("span", "", item.label), el("span", "sub", item.sub || ""));
    row.onmousedown = (event) => { event.preventDefault(); choosePopup(index); };
    return row;
  }));
  popup.hidden = items.length === 0;
}

function closePopup() {
  state.popup = null;
  $("#popup").hidden = true;
}

function movePopup(step) {
  const items = $("#popup").children;
  if (!items.length) return;
  items[state.popupIndex].classList.remove("selected");
  state.popupIndex = (state.popupIndex + step + items.length) % items.length;
  items[state.popupIndex].classList.add("selected");
}

function choosePopup(index) {
  const item = state.popup.items[index];
  const box = $("#box");
  if (state.popup.kind === "mentions") {
    const cursor = box.selectionStart;
    const start = cursor - item.typed.length;
    box.value = box.value.slice(0, start) + "@" + item.member.name + " " + box.value.slice(cursor);
    box.selectionStart = box.selectionEnd = start + item.member.name.length + 2;
  } else {
    state.command = item.command;
    box.value = "";
    renderCommandForm();
  }
  closePopup();
  box.focus();
}

// ---- slash commands: options as Discord shows them, one field each ---------------------------------------

function renderCommandForm() {
  const form = $("#command-form");
  const command = state.command;
  form.hidden = !command;
  if (!command) { form.replaceChildren(); return; }
  form.replaceChildren(el("span", "cmd", "/" + command.command));
  for (const option of command.options) form.append(optionField(option));
  const cancel = el("button", "cancel", "✕");
  cancel.type = "button";
  cancel.title = "Cancel the command";
  cancel.onclick = () => { state.command = null; renderCommandForm(); };
  form.append(cancel);
  $("#box").placeholder = `Press Enter to run /${command.command}`;
  const first = form.querySelector("input, select");
  if (first) first.focus();
}

function optionField(option) {
  const label = el("label", "", option.name + (option.required ? "*" : ""));
  label.title = option.description || "";
  let field;
  if (option.choices || option.type === OPTION.BOOLEAN || option.type === OPTION.USER
      || option.type === OPTION.MENTIONABLE || option.type === OPTION.CHANNEL) {
    field = el("select");
    const choices = option.choices ? option.choices.map((c) => [c.value, c.name])
      : option.type === OPTION.BOOLEAN ? [["true", "True"], ["false", "False"]]
      : option.type === OPTION.CHANNEL ? state.world.channels.map((c) => [c.id, "#" + c.name])
      : state.world.members.map((m) => [m.id, m.name]);
    field.append(new Option(option.required ? "choose…" : "(none)", ""));
    for (const [value, name] of choices) field.append(new Option(name, value));
  } else {
    field = el("input");
    field.type = option.type === OPTION.INTEGER || option.type === OPTION.NUMBER ? "number" : "text";
    if (option.autocomplete) attachAutocomplete(field, option);
  }
  field.name = option.name;
  field.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); runCommand(); } });
  label.append(field);
  return label;
}

function attachAutocomplete(field, option) {
  const list = el("datalist");
  list.id = "choices-" + option.name;
  field.setAttribute("list", list.id);
  field.after(list);
  const update = async () => {
    const body = { as: state.viewer, channel_id: state.channel, command: state.command.command,
      options: commandValues(), focused: option.name };
    const data = await api("POST", "/api/autocomplete", body).catch(() => ({ choices: [] }));
    list.replaceChildren(...data.choices.map((c) => new Option(c.name, c.value)));
  };
  field.addEventListener("input", update);
  field.addEventListener("focus", update);
  setTimeout(() => field.parentElement && field.parentElement.append(list), 0);
}

function commandValues() {
  const values = {};
  for (const field of $("#command-form").querySelectorAll("input, select")) {
    if (field.value !== "") values[field.name] = field.value;
  }
  return values;
}

async function runCommand() {
  const command = state.command;
  if (!command) return;
  const missing = command.options.filter((o) => o.required && commandValues()[o.name] === undefined);
  if (missing.length) { showError(`Fill in ${missing.map((o) => o.name).join(", ")} first.`); return; }
  const body = { as: state.viewer, channel_id: state.channel, command: command.command, options: commandValues() };
  state.command = null;
  renderCommandForm();
  renderSidebar();
  await act(() => api("POST", "/api/commands", body));
}

// ---- the guided tour and reset -------------------------------------------------------------------------

function renderTour() {
  const tour = state.world.tour;
  $("#steps").replaceChildren(...tour.steps.map((step, index) => {
    const item = el("li", index < tour.position ? "done" : index === tour.position ? "current" : "", step.title);
    item.dataset.key = step.key;
    return item;
  }));
  const next = tour.steps[tour.position];
  const button = $("#tour-next");
  if (!state.tourRunning) {
    button.disabled = !next;
    button.textContent = next ? `${tour.position === 0 ? "Start" : "Next"}: ${next.title}` : "Tour finished: reset to replay";
  }
  const last = tour.steps[tour.position - 1];
  $("#narration").textContent = last ? last.narration : "";
}

async function nextStep() {
  const button = $("#tour-next");
  state.tourRunning = true;
  button.disabled = true;
  button.textContent = "Playing…";
  showError("");
  try {
    const data = await api("POST", "/api/tour/next");
    const step = data.tour.steps.find((s) => s.key === data.played);
    const viewer = member(step.viewer);
    state.channel = step.channel;
    state.tourRunning = false;
    await setViewer(viewer.handle);
  } catch (error) {
    showError(error.message);
  } finally {
    state.tourRunning = false;
    renderTour();
  }
}

async function reset() {
  const button = $("#reset");
  button.disabled = true;
  button.textContent = "Resetting…";
  try {
    await api("POST", "/api/reset");
    state.dismissed.clear();
    state.worldJson = null;
    await loadWorld();
    await refresh();
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
    button.textContent = "Reset to the seeded community";
  }
}

// ---- live updates: every change anywhere (another tab, the bot) reloads what this tab shows ---------------

function listen() {
  const events = new EventSource("/api/events");
  let timer = null;
  events.onmessage = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await loadWorld().catch((error) => showError(error.message));
      refresh();
    }, 80);
  };
}

async function main() {
  await loadWorld();
  await refresh();
  $("#viewer").onchange = (event) => setViewer(event.target.value);
  $("#send-form").onsubmit = submit;
  $("#box").addEventListener("input", onInput);
  $("#box").addEventListener("keydown", (event) => {
    if (!state.popup || !state.popup.items.length) {
      if (event.key === "Escape" && state.command) { state.command = null; renderCommandForm(); }
      return;
    }
    if (event.key === "ArrowDown") { event.preventDefault(); movePopup(1); }
    if (event.key === "ArrowUp") { event.preventDefault(); movePopup(-1); }
    if (event.key === "Tab") { event.preventDefault(); choosePopup(state.popupIndex); }
    if (event.key === "Escape") closePopup();
  });
  $("#reply-cancel").onclick = cancelReply;
  $("#tour-next").onclick = nextStep;
  $("#reset").onclick = reset;
  listen();
  document.body.dataset.ready = "1";
}

main();
