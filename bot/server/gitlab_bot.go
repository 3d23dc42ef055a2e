package server

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/tmbot/tmbot/bot/forge/gitlab"
)

// The bot's GitLab username, to ignore the issue events and notes the bot
// caused. TMBOT_GITLAB_BOT_USERNAME names it; without it the service
// learns it from GitLab (GET /user, in the background, once; see
// SetGitLabBot) and, meanwhile, takes usernames of the form
// project_<id>_bot… or group_<id>_bot… (access tokens' bot users) for
// bots.

// gitlabState is the GitLab webhook's configuration beyond Settings.
type gitlabState struct {
	mu         sync.Mutex
	signingKey []byte
	bot        string
	lookup     func(context.Context) (string, error)
	looking    bool
	lastTry    time.Time
}

func (s *Server) gitlab() *gitlabState { return &s.gl }

// SetGitLabBot tells the server how to learn the bot's GitLab username (the
// GitLab client's BotLogin). It starts looking at once, in the background,
// unless TMBOT_GITLAB_BOT_USERNAME named it.
func (s *Server) SetGitLabBot(lookup func(context.Context) (string, error)) {
	st := s.gitlab()
	st.mu.Lock()
	st.lookup = lookup
	st.mu.Unlock()
	s.gitlabBot()
}

// gitlabBot is the bot's username, "" while unknown; when unknown it starts
// a lookup in the background (at most one a minute).
func (s *Server) gitlabBot() string {
	st := s.gitlab()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.bot != "" || st.lookup == nil || st.looking || time.Since(st.lastTry) < time.Minute {
		return st.bot
	}
	st.looking, st.lastTry = true, time.Now()
	lookup := st.lookup
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		name, err := lookup(ctx)
		st.mu.Lock()
		defer st.mu.Unlock()
		st.looking = false
		if err != nil {
			s.log.Warn("could not learn the bot's GitLab username; access-token bot users are taken for the bot meanwhile", "err", err)
			return
		}
		st.bot = name
	}()
	return st.bot
}

// isGitLabBot reports whether a username is the bot's (or an access
// token's bot user, while the bot's own is unknown).
func (s *Server) isGitLabBot(username string) bool {
	if username == "" {
		return false
	}
	if bot := s.gitlabBot(); bot != "" {
		return strings.EqualFold(bot, username)
	}
	return gitlab.IsAccessTokenBot(username)
}
