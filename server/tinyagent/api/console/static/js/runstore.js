// A run's events in this tab's session storage, so a reload redraws them at once and resumes the stream
// after the last one (Last-Event-ID). What is stored is always a prefix of the run's events: a save that
// lags behind only means the server sends a few more on resume.

const PREFIX = "tinyagent.run.";

export function stored(runId) {
  try {
    const events = JSON.parse(sessionStorage.getItem(PREFIX + runId) ?? "[]");
    return Array.isArray(events) ? events : [];
  } catch {
    return [];
  }
}

export function save(runId, events) {
  const text = JSON.stringify(events);
  try {
    sessionStorage.setItem(PREFIX + runId, text);
  } catch {
    // Full: other runs can be replayed from the server's store, so make room by forgetting them.
    forgetOthers(runId);
    try {
      sessionStorage.setItem(PREFIX + runId, text);
    } catch {
      sessionStorage.removeItem(PREFIX + runId); // a reload then replays this run from the server
    }
  }
}

function forgetOthers(runId) {
  const keys = [];
  for (let i = 0; i < sessionStorage.length; i++) keys.push(sessionStorage.key(i));
  keys.filter((k) => k.startsWith(PREFIX) && k !== PREFIX + runId).forEach((k) => sessionStorage.removeItem(k));
}
