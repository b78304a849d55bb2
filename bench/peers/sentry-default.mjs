// Peer: @sentry/node 11's own setup, as its docs show it (node --import ./instrument.mjs app.js).
import * as Sentry from '@sentry/node';

Sentry.init({ dsn: process.env.SENTRY_DSN, tracesSampleRate: 0.25 });
