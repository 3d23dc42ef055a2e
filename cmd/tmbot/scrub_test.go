package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// What serve refuses to start with never quotes a setting's value, whole
// or in part: a database path, a PostgreSQL URL's user and host, a listen
// address, a private key that is not one, a GitLab URL.
func TestServeErrorsNeverContainSettingValues(t *testing.T) {
	base := func() settings.Settings {
		s := settings.Default()
		s.Addr = "127.0.0.1:0"
		s.Database = "sqlite:" + t.TempDir() + "/tmbot.db"
		s.ResyncInterval = 0
		return s
	}
	for _, c := range []struct {
		name, secret string
		set          func(*settings.Settings)
	}{
		{"sqlite path", "Qp7Wz3Lk9", func(s *settings.Settings) { s.Database = "sqlite:/proc/Qp7Wz3Lk9/tmbot.db" }},
		{"postgres url", "Vx4Tn8Rm2", func(s *settings.Settings) {
			s.Database = "postgres://Vx4Tn8Rm2:Vx4Tn8Rm2pw@Vx4Tn8Rm2.invalid:1/db?connect_timeout=1"
		}},
		{"listen address", "Ad5Hc1Yu6", func(s *settings.Settings) { s.Addr = "Ad5Hc1Yu6:http-alt-nope" }},
		{"private key", "Pk2Gs9Ve4Lm8", func(s *settings.Settings) {
			s.GitHub.AppID, s.GitHub.WebhookSecret = 1, "x"
			s.GitHub.PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\nPk2Gs9Ve4Lm8Pk2Gs9Ve4Lm8\n-----END RSA PRIVATE KEY-----\n"
		}},
		{"gitlab url", "Gu3Ff7Jd1", func(s *settings.Settings) {
			s.GitLab.URL, s.GitLab.Token, s.GitLab.WebhookSecret = "ftp://Gu3Ff7Jd1.example.com", "glpat-x", "x"
		}},
	} {
		s := base()
		c.set(&s)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := serve(ctx, s, slog.New(slog.DiscardHandler), nil)
		cancel()
		if err == nil {
			t.Errorf("%s: served", c.name)
			continue
		}
		for i := 0; i+6 <= len(c.secret); i++ {
			if strings.Contains(err.Error(), c.secret[i:i+6]) {
				t.Errorf("%s: the error quotes part of the value: %v", c.name, err)
				break
			}
		}
		t.Logf("%s: %v", c.name, err)
	}
}
