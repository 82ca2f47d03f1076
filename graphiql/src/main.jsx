// Self-hosted GraphiQL for the customs control API. Talks to /graphql on the same
// origin (POST JSON) and sends the API key typed in the bar as the X-API-Key header.
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
// Component styles only: graphiql/style.css would also inline Roboto and Fira Code
// (~0.5 MB of fonts) and a second copy of Monaco's CSS. Monaco's own CSS comes with
// its modules; fonts fall back to the system stack (see style.css).
import '@graphiql/react/style.css';
import '@graphiql/plugin-doc-explorer/style.css';
import '@graphiql/plugin-history/style.css';
import 'graphiql/graphiql.css';
import './style.css';
import { defaultTabs } from './examples.js';

const ENDPOINT = '/graphql';
const KEY_STORAGE = 'customs-graphiql:api-key';

function loadKey() {
  try {
    return window.localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

function saveKey(value) {
  try {
    if (value) window.localStorage.setItem(KEY_STORAGE, value);
    else window.localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key still works for this page view
  }
}

async function postGraphQL(params, headers) {
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (response.ok) return body;
  // Show HTTP failures (401 no/invalid key, 403, 5xx) in the result pane.
  const hint =
    response.status === 401 ? ' (enter a valid API key in the bar above)' : '';
  const errors = body && typeof body === 'object' && Array.isArray(body.errors) ? body.errors : [];
  return {
    errors: [{ message: `HTTP ${response.status} ${response.statusText}${hint}` }, ...errors],
    ...(errors.length ? {} : { response: body }),
  };
}

function App() {
  const [apiKey, setApiKey] = useState(loadKey);
  const [shown, setShown] = useState(false);
  const keyRef = useRef(apiKey);
  keyRef.current = apiKey;

  // Re-introspect the schema once the key stops changing (GraphiQL refetches the
  // schema when the fetcher identity changes); every request reads the latest key.
  const [settledKey, setSettledKey] = useState(apiKey);
  useEffect(() => {
    const t = setTimeout(() => setSettledKey(apiKey), 400);
    return () => clearTimeout(t);
  }, [apiKey]);

  const fetcher = useMemo(
    () => (params, opts) => {
      const headers = { ...(opts?.headers ?? {}) };
      const key = keyRef.current.trim();
      if (key) headers['X-API-Key'] = key;
      return postGraphQL(params, headers);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [settledKey],
  );

  const onKeyChange = useCallback((event) => {
    const value = event.target.value;
    setApiKey(value);
    saveKey(value.trim());
  }, []);

  return (
    <div className="cc-page">
      <form className="cc-bar" onSubmit={(e) => e.preventDefault()} autoComplete="off">
        <span className="cc-title">Customs control API</span>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type={shown ? 'text' : 'password'}
          value={apiKey}
          onChange={onKeyChange}
          placeholder="paste your key; sent as X-API-Key"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
          {shown ? 'Hide' : 'Show'}
        </button>
        <span className={apiKey.trim() ? 'cc-status cc-ok' : 'cc-status cc-missing'}>
          {apiKey.trim() ? 'key set' : 'no key: requests get 401'}
        </span>
      </form>
      <div className="cc-graphiql">
        <GraphiQL fetcher={fetcher} defaultTabs={defaultTabs} defaultEditorToolsVisibility />
      </div>
    </div>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
