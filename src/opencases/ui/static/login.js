// Kibana's login page: POST /internal/security/login with the basic provider, then go on.

const MESSAGES = {
  LOGGED_OUT: 'You have logged out.',
  SESSION_EXPIRED: 'Your session has timed out. Please log in again.',
  SESSION_IDLE_TIMEOUT: 'Your session has timed out. Please log in again.',
  SESSION_LIFESPAN_TIMEOUT: 'Your session has timed out. Please log in again.',
  UNEXPECTED_SESSION_ERROR: 'Your session has ended. Please log in again.',
  UNAUTHENTICATED: 'Please log in.',
};

function start() {
  const form = document.getElementById('login-form');
  const error = document.getElementById('login-error');
  const notice = document.getElementById('login-message');
  const msg = new URLSearchParams(location.search).get('msg');
  if (msg && MESSAGES[msg]) {
    notice.textContent = MESSAGES[msg];
    notice.hidden = false;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const response = await fetch('/internal/security/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'kbn-xsrf': 'opencases',
          'x-elastic-internal-origin': 'Kibana',
        },
        body: JSON.stringify({
          providerType: 'basic',
          providerName: 'basic',
          currentURL: location.href,
          params: { username: form.username.value, password: form.password.value },
        }),
      });
      if (response.ok) {
        location.assign((await response.json()).location);
        return;
      }
      // Kibana's login form says these two things, and no more.
      error.textContent =
        response.status === 401
          ? 'Username or password is incorrect. Please try again.'
          : "We couldn't log you in. Please try again.";
    } catch {
      error.textContent = "We couldn't log you in. Please try again.";
    }
    error.hidden = false;
    button.disabled = false;
  });
}

start();
