// What the keys and a click on a node do, shared by the page (main.js) and the notebook view
// (embed.js): both hand them their own store.

/** Click on a node: go to its step (backprop's when backprop has begun); an input's chain rule. */
export function selectNode(store, id) {
  const { timeline: tl, position } = store.state;
  if (!tl) return;
  store.pause();
  const node = tl.nodes.get(id);
  if (!node.inputs.length && node.grad !== null) store.setChain(node.name ?? node.id);
  if (position >= tl.backwardStart && tl.backwardPos.has(id)) store.goTo(tl.backwardPos.get(id));
  else if (tl.forwardPos.has(id)) store.goTo(tl.forwardPos.get(id));
}

/**
 * A keydown listener: Right / Left step, Space plays, Home / End jump. `first(key)`, when given,
 * sees each key before them and returns true when it took it (forward mode's own timeline).
 */
export function stepKeys(store, first = null) {
  return (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target instanceof Element ? ev.target : document.body;
    if (t.closest('input, textarea, select, [contenteditable="true"]')) return; // their own keys
    if (first?.(ev.key)) { ev.preventDefault(); return; }
    switch (ev.key) {
      case 'ArrowRight': store.pause(); store.next(); break;
      case 'ArrowLeft': store.pause(); store.prev(); break;
      case 'Home': store.reset(); break;
      case 'End': store.end(); break;
      case ' ':
        if (t.closest('button, a[href], summary')) return; // Space presses a focused button
        store.togglePlay();
        break;
      default: return;
    }
    ev.preventDefault();
  };
}
