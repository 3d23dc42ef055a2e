// Package server is the HTTP side of the service: the GitHub and GitLab
// webhooks (signature first, then a durable record of the delivery and its
// jobs, then the answer), health, readiness and Prometheus metrics. One
// small handler per event turns a delivery into stored state and queued
// jobs; the work happens later, in bot/jobs.
package server
