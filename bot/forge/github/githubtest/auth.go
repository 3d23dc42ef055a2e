package githubtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):]), true
		}
	}
	return "", false
}

// appJWT checks that the request carries the App's valid JWT, as GitHub
// does for the App's own endpoints; false when it has answered 401.
func (s *Server) appJWT(rp *reply) bool {
	jwt, ok := bearer(rp.r)
	if !ok {
		s.fail(rp, http.StatusUnauthorized, "A JSON web token could not be decoded", docsREST)
		return false
	}
	s.secrets = append(s.secrets, jwt)
	if msg := s.verifyJWT(jwt, time.Now()); msg != "" {
		s.fail(rp, http.StatusUnauthorized, msg, docsREST)
		return false
	}
	return true
}

func (s *Server) accessToken(rp *reply, idText string) {
	if !s.appJWT(rp) {
		return
	}
	id, _ := strconv.ParseInt(idText, 10, 64)
	inst := s.installations[id]
	if inst == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	if inst.suspended {
		s.fail(rp, http.StatusForbidden, "This installation has been suspended", docsREST)
		return
	}
	if rp.r.Body != nil && rp.r.ContentLength != 0 {
		var body map[string]any
		if err := json.NewDecoder(rp.r.Body).Decode(&body); err != nil {
			s.fail(rp, http.StatusBadRequest, "Problems parsing JSON", docsREST)
			return
		}
	}
	tok := "ghs_" + randomText(36)
	exp := time.Now().Add(tokenLifetime).UTC().Truncate(time.Second)
	s.tokens[tok] = &token{installation: id, expires: exp}
	s.secrets = append(s.secrets, tok)
	s.write(rp, http.StatusCreated, map[string]any{
		"token": tok, "expires_at": exp.Format(time.RFC3339),
		"permissions":          s.permissionsOf(id),
		"repository_selection": "selected",
	})
}

func randomText(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// verifyJWT checks the App's JWT as GitHub does; it returns GitHub's
// message for a bad one, "" for a good one.
func (s *Server) verifyJWT(jwt string, now time.Time) string {
	const undecodable = "A JSON web token could not be decoded"
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return undecodable
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if hb, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(hb, &header) != nil {
		return undecodable
	}
	if header.Alg != "RS256" {
		return undecodable
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return undecodable
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return undecodable
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return undecodable
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat *json.Number    `json:"iat"`
		Exp *json.Number    `json:"exp"`
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return undecodable
	}
	iss := strings.Trim(string(claims.Iss), `"`)
	if iss != strconv.FormatInt(s.appID, 10) {
		return "'Issuer' claim ('iss') must be an Integer representing the GitHub App's id"
	}
	if claims.Iat == nil {
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	}
	iat, err := claims.Iat.Int64()
	if err != nil {
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	}
	if iat > now.Unix()+60 {
		return "'Issued at' claim ('iat') must be an Integer representing a time in the past"
	}
	if claims.Exp == nil {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	}
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= now.Unix() {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	}
	if exp-iat > 600 {
		return "'Expiration time' claim ('exp') is too far in the future"
	}
	return ""
}

// authorize checks the installation token of a call.
func (s *Server) authorize(rp *reply) (*installation, bool) {
	tok, ok := bearer(rp.r)
	t := s.tokens[tok]
	if !ok || t == nil || !time.Now().Before(t.expires) {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusUnauthorized, "Bad credentials", docsREST)
		return nil, false
	}
	inst := s.installations[t.installation]
	if inst == nil {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusUnauthorized, "Bad credentials", docsREST)
		return nil, false
	}
	if inst.suspended {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusForbidden, "This installation has been suspended", docsREST)
		return nil, false
	}
	return inst, true
}

// getApp serves GET /app, with the App's JWT.
func (s *Server) getApp(rp *reply) {
	if !s.appJWT(rp) {
		return
	}
	s.write(rp, http.StatusOK, map[string]any{
		"id": s.appID, "slug": s.appSlug, "node_id": fmt.Sprintf("A_%d", s.appID), "name": s.appSlug,
		"owner": s.userJSON("tmbot-dev"), "description": "", "external_url": "https://example.com",
		"html_url":            "https://github.com/apps/" + s.appSlug,
		"created_at":          "2024-01-01T00:00:00Z",
		"updated_at":          "2024-01-01T00:00:00Z",
		"permissions":         map[string]string{"contents": "read", "pull_requests": "read", "issues": "write", "checks": "write", "metadata": "read"},
		"events":              []string{"pull_request", "issue_comment", "issues", "push"},
		"installations_count": len(s.installations),
	})
}
