package github

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge/retry"
)

// DefaultBaseURL is GitHub.com's API.
const DefaultBaseURL = "https://api.github.com/"

// DefaultTimeout bounds one API call (a file of 16 MiB included) when
// AppConfig.HTTPClient does not set a timeout of its own.
const DefaultTimeout = 60 * time.Second

// userAgent names the bot to GitHub.
const userAgent = "tmbot"

// AppConfig configures a GitHub App.
type AppConfig struct {
	// AppID is the App's id.
	AppID int64
	// PrivateKey is the App's private key, PEM (PKCS#1 or PKCS#8). A key
	// whose line breaks were written as \n (as in an environment
	// variable) is accepted too.
	PrivateKey []byte
	// BaseURL is the REST API's root: https://api.github.com/ (the
	// default), or https://HOST/api/v3/ for GitHub Enterprise Server; with
	// or without the trailing slash.
	BaseURL string
	// HTTPClient, optional, gives the transport (and timeout) to use.
	HTTPClient *http.Client
	// Retry is how an installation's calls are retried in place (nil:
	// retry's defaults; &retry.Off: never). The timeout above bounds each
	// try.
	Retry *retry.Policy
}

// App is a GitHub App: it makes the JWT that gets installation tokens, and
// keeps one Client per installation.
type App struct {
	id      int64
	key     *rsa.PrivateKey
	baseURL string // with a trailing slash
	base    http.RoundTripper
	timeout time.Duration
	retry   retry.Policy

	mu      sync.Mutex
	clients map[int64]*Client

	// slug is the App's slug, read once (GET /app) for BotLogin.
	slugMu sync.Mutex
	slug   string
}

// NewApp checks the configuration and parses the key. It makes no call.
func NewApp(cfg AppConfig) (*App, error) {
	if cfg.AppID <= 0 {
		return nil, errors.New("github: the App id must be a positive number")
	}
	key, err := parseKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	a := &App{id: cfg.AppID, key: key, baseURL: base, base: http.DefaultTransport, timeout: DefaultTimeout,
		clients: map[int64]*Client{}}
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			a.base = cfg.HTTPClient.Transport
		}
		a.timeout = cfg.HTTPClient.Timeout
	}
	if cfg.Retry != nil {
		a.retry = *cfg.Retry
	}
	return a, nil
}

// parseKey reads an RSA private key; its errors never quote the key.
func parseKey(data []byte) (*rsa.PrivateKey, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("github: the App's private key is empty")
	}
	block, _ := pem.Decode(data)
	if block == nil && bytes.Contains(data, []byte(`\n`)) {
		block, _ = pem.Decode(bytes.ReplaceAll(data, []byte(`\n`), []byte("\n")))
	}
	if block == nil {
		return nil, errors.New("github: the App's private key is not in PEM form")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("github: the App's private key cannot be parsed (want an RSA key, PKCS#1 or PKCS#8)")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("github: the App's private key is not an RSA key")
	}
	return rk, nil
}

// normalizeBaseURL checks an API root and gives it its trailing slash.
func normalizeBaseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("github: the API URL cannot be parsed")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("github: the API URL %q must be http(s)://HOST/ (GitHub Enterprise Server: https://HOST/api/v3/)", u.Redacted())
	}
	if u.User != nil {
		return "", errors.New("github: the API URL must not carry credentials")
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// AppID is the App's id.
func (a *App) AppID() int64 { return a.id }

// BaseURL is the API root the App calls, with its trailing slash.
func (a *App) BaseURL() string { return a.baseURL }

// appsTransport makes a transport that signs with the App's JWT. Each
// installation gets its own: ghinstallation writes to the AppsTransport
// when it renews a token, so sharing one would race.
func (a *App) appsTransport() *ghinstallation.AppsTransport {
	// ghinstallation sends the installation's calls through this
	// transport too; only token requests are retried here (the others are
	// retried above the count, see newClient).
	atr := ghinstallation.NewAppsTransportFromPrivateKey(a.tokenRetry(&tokenTransport{next: a.base}), a.id, a.key)
	atr.BaseURL = strings.TrimSuffix(a.baseURL, "/")
	return atr
}

// installationTransport makes a fresh installation transport (no token yet).
func (a *App) installationTransport(installation int64) *ghinstallation.Transport {
	tr := ghinstallation.NewFromAppsTransport(a.appsTransport(), installation)
	tr.BaseURL = strings.TrimSuffix(a.baseURL, "/")
	tr.Client = &http.Client{Transport: &tokenTransport{next: a.base}, Timeout: a.timeout}
	return tr
}

// Client is the forge client of an installation, made once and kept.
func (a *App) Client(installation int64) (*Client, error) {
	if installation <= 0 {
		return nil, errors.New("github: no installation id")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.clients[installation]; c != nil {
		return c, nil
	}
	c, err := newClient(a, installation)
	if err != nil {
		return nil, err
	}
	a.clients[installation] = c
	return c, nil
}

// Forget drops an installation's client (after the App was uninstalled).
func (a *App) Forget(installation int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.clients, installation)
}

// newGitHub makes a go-github client over a transport.
func (a *App) newGitHub(tr http.RoundTripper) (*github.Client, error) {
	return a.newGitHubTimeout(tr, a.timeout)
}

// newGitHubTimeout makes a go-github client over a transport, each call
// bounded by timeout (0: by its context only).
func (a *App) newGitHubTimeout(tr http.RoundTripper, timeout time.Duration) (*github.Client, error) {
	base := a.baseURL
	gh, err := github.NewClient(github.WithHTTPClient(&http.Client{Transport: tr, Timeout: timeout}),
		github.WithURLs(&base, &base), github.WithUserAgent(userAgent))
	if err != nil {
		return nil, fmt.Errorf("github: make the API client: %w", err)
	}
	return gh, nil
}

// tokenTransport is under ghinstallation's token requests: it keeps the
// body of a refused one readable (ghinstallation leaves it open and
// unread) so that the error can say what GitHub said.
type tokenTransport struct{ next http.RoundTripper }

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode/100 == 2 {
		return resp, err
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// installationRoundTripper authenticates as the installation. When GitHub
// answers 401 (the token was revoked), it drops the token's transport and
// tries the call once more with a new token.
type installationRoundTripper struct {
	app          *App
	installation int64
	cur          atomic.Pointer[ghinstallation.Transport]
	next         func(*ghinstallation.Transport) http.RoundTripper
}

func (t *installationRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	tr := t.cur.Load()
	first := req
	if req.Body != nil && req.GetBody != nil {
		// Send copies, so that the call can be sent again.
		defer req.Body.Close()
		first = req.Clone(req.Context())
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		first.Body = body
	}
	resp, err := t.next(tr).RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	t.cur.CompareAndSwap(tr, t.app.installationTransport(t.installation))
	if req.Body != nil && req.GetBody == nil {
		return resp, nil
	}
	retry := req.Clone(req.Context())
	if req.Body != nil {
		body, gerr := req.GetBody()
		if gerr != nil {
			return resp, nil
		}
		retry.Body = body
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.next(t.cur.Load()).RoundTrip(retry)
}

// tokenRetry retries the creation of installation tokens in place, POST
// as it is: a second token does no harm. Other calls go to next as they
// are.
func (a *App) tokenRetry(next http.RoundTripper) http.RoundTripper {
	p := a.retry
	p.RepeatAll = true
	return &tokenRouter{tokens: p.Transport(next, a.timeout), next: next}
}

type tokenRouter struct{ tokens, next http.RoundTripper }

func (t *tokenRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/access_tokens") {
		return t.tokens.RoundTrip(req)
	}
	return t.next.RoundTrip(req)
}
