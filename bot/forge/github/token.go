package github

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
)

// ActionsBot is who GitHub Actions' GITHUB_TOKEN writes as: the GitHub
// Actions App's bot user (its slug is "github-actions").
var ActionsBot = forge.Identity{Login: "github-actions[bot]"}

// TokenConfig configures a Client that authenticates with a token it is
// given (a GitHub Actions job's GITHUB_TOKEN, which is an installation
// token of the GitHub Actions App) rather than as a GitHub App of its own.
type TokenConfig struct {
	// Token is sent as the bearer token of every call. It never appears in
	// an error.
	Token string
	// BaseURL is the REST API's root, as AppConfig.BaseURL.
	BaseURL string
	// Bot is who the token writes as; its comments and check runs are the
	// ones the client adopts (default ActionsBot). The check runs adopted
	// are those of the App whose slug is Bot's login without "[bot]".
	Bot forge.Identity
	// HTTPClient, optional, gives the transport (and timeout) to use.
	HTTPClient *http.Client
	// Retry: as AppConfig.Retry.
	Retry *retry.Policy
}

// NewTokenClient makes a Client that calls the API with cfg.Token. It
// makes no call. It reviews and comments like an installation's Client;
// it is not for tracking (the service's App does that).
func NewTokenClient(cfg TokenConfig) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("github: a token is needed")
	}
	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	bot := cfg.Bot
	if bot.Login == "" {
		bot = ActionsBot
	}
	next, timeout := http.DefaultTransport, DefaultTimeout
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			next = cfg.HTTPClient.Transport
		}
		timeout = cfg.HTTPClient.Timeout
	}
	var p retry.Policy
	if cfg.Retry != nil {
		p = *cfg.Retry
	}
	c := withCaches(&Client{bot: bot, checkApp: strings.TrimSuffix(bot.Login, "[bot]")})
	tr := p.Transport(&countingTransport{c: c, next: &bearerTransport{token: cfg.Token, next: next}}, timeout)
	gh, err := github.NewClient(github.WithHTTPClient(&http.Client{Transport: tr}),
		github.WithURLs(&base, &base), github.WithUserAgent(userAgent))
	if err != nil {
		return nil, fmt.Errorf("github: make the API client: %w", err)
	}
	c.gh = gh
	return c, nil
}

// bearerTransport adds the token to each call, on a copy of the request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
