import posthog from 'posthog-js';
posthog.init('token', { api_host: 'https://example.invalid' });
posthog.capture('x');
