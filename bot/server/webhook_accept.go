package server

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/tmbot/tmbot/bot/forge"
)

// delivery is one verified webhook delivery being accepted: its events
// are handled inside the transaction that records it, one small handler
// per neutral event (event_*.go).
type delivery struct {
	s  *Server
	tx *sql.Tx
}

// handle stores what one event makes: state and queued jobs.
func (d *delivery) handle(ctx context.Context, ev forge.Event) error {
	switch e := ev.(type) {
	case forge.ReviewRequested:
		return d.reviewRequested(ctx, e)
	case forge.RequestUpdated:
		return d.requestUpdated(ctx, e)
	case forge.RequestClosed:
		return d.requestClosed(ctx, e)
	case forge.DefaultBranchMoved:
		return d.defaultBranchMoved(ctx, e)
	case forge.TrackingIssueChanged:
		return d.trackingIssueChanged(ctx, e)
	case forge.InstallationChanged:
		return d.installationChanged(ctx, e)
	}
	return fmt.Errorf("no handler for the event %T", ev)
}

// accept stores a verified delivery and what its events make in one
// transaction, then answers: 202 when accepted, 200 for a delivery seen
// before (nothing is done twice), 503 when it could not be stored (the
// forge redelivers). No events: the delivery is recorded only. also are
// more keys the delivery is known by (its body's hash): seen before under
// any of them, it is a duplicate. Keys are remembered for
// jobs.DeliveryRetention.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, forgeName, id, event string, log *slog.Logger, events []forge.Event, also ...string) {
	dup := false
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		for _, key := range append([]string{id}, also...) {
			isNew, err := s.store.RecordDelivery(ctx, tx, forgeName, key, event)
			if err != nil || !isNew {
				dup = !isNew
				return err
			}
		}
		d := &delivery{s: s, tx: tx}
		for _, ev := range events {
			if err := d.handle(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		s.metrics.Delivery(forgeName, event, "error")
		log.Error("could not store the delivery", "err", err)
		http.Error(w, "could not store the delivery; please redeliver", http.StatusServiceUnavailable)
	case dup:
		s.metrics.Delivery(forgeName, event, "duplicate")
		log.Info("duplicate delivery ignored")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "duplicate\n")
	default:
		s.metrics.Delivery(forgeName, event, "accepted")
		log.Debug("delivery accepted")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "accepted\n")
	}
}

// previousSecret counts a delivery that only the previous webhook secret
// authenticated (tmbot_webhook_previous_secret_total).
func (s *Server) previousSecret(forgeName string) {
	s.metrics.PreviousSecret(forgeName)
	s.log.Debug("delivery authenticated by the previous webhook secret", "forge", forgeName)
}
