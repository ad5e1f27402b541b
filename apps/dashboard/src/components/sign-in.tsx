import { useState } from 'react';
import { signIn } from '../auth';

/** Shown instead of the dashboard when the hub answers 401: it runs with auth and wants a token. */
export function SignIn({ rejected }: { rejected: boolean }) {
  const [token, setToken] = useState('');
  return (
    <div className="sign-in">
      <form
        className="card sign-in-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) signIn(token.trim());
        }}
      >
        <h1 className="sign-in-title">livehub</h1>
        <p className="muted">
          This hub requires a token. {rejected ? 'The one this tab had was refused (expired or invalid).' : 'Paste a bearer token (a JWT the hub accepts).'}
        </p>
        <input
          className="input mono"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="eyJhbGciOi…"
          aria-label="Bearer token"
          data-testid="token-input"
        />
        <button className="btn btn-primary" disabled={!token.trim()} data-testid="token-submit">
          Sign in
        </button>
        <p className="muted small">Kept for this tab only. Opening the dashboard with ?token=… works too.</p>
      </form>
    </div>
  );
}
