package gitlab

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
)

// userID finds a user's id by username (cached; 0 when there is none).
func (c *Client) userID(ctx context.Context, username string) (int64, error) {
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	if username == "" {
		return 0, nil
	}
	k := strings.ToLower(username)
	if id, ok := c.users.Get(k); ok {
		return id, nil
	}
	users, resp, err := c.gl.Users.ListUsers(&gl.ListUsersOptions{Username: gl.Ptr(username)}, gl.WithContext(ctx))
	if err != nil {
		return 0, mapError("look up user "+username, resp, err)
	}
	var id int64
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			id = u.ID
			break
		}
	}
	c.users.Put(k, id)
	return id, nil
}

// accessLevel is a user's access to a project, direct or inherited from
// its groups (0 when the user is no member).
func (c *Client) accessLevel(ctx context.Context, repo forge.Repo, username string) (int, error) {
	id, err := c.userID(ctx, username)
	if err != nil || id == 0 {
		return 0, err
	}
	m, resp, err := c.gl.ProjectMembers.GetInheritedProjectMember(pid(repo), id, gl.WithContext(ctx))
	if err != nil {
		mapped := c.fail(ctx, repo, fmt.Sprintf("read the membership of %s in %s", username, repo.FullName()), resp, err)
		if errors.Is(mapped, forge.ErrNotFound) && !errors.Is(mapped, forge.ErrGone) {
			return 0, nil
		}
		return 0, mapped
	}
	if m.State != "" && m.State != "active" {
		return 0, nil
	}
	return int(m.AccessLevel), nil
}

// CanWrite implements forge.Client: Developer (30) or more, directly or
// through a group, may push.
func (c *Client) CanWrite(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	lvl, err := c.accessLevel(ctx, repo, user)
	return lvl >= accessDeveloper, err
}

// CanAssign implements forge.Client: a member of the project (Guest or
// more, directly or through a group) can be assigned its issues.
func (c *Client) CanAssign(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	lvl, err := c.accessLevel(ctx, repo, user)
	return lvl >= accessGuest, err
}

// BotLogin implements forge.Client: the username of the token's user (for
// a project or group access token, its bot user), read once.
func (c *Client) BotLogin(ctx context.Context) (string, error) {
	id, err := c.Bot(ctx)
	return id.Login, err
}

// Bot implements forge.Client: the token's user, its username and id
// (GET /user), read once and kept.
func (c *Client) Bot(ctx context.Context) (forge.Identity, error) {
	c.botMu.Lock()
	defer c.botMu.Unlock()
	if c.bot.Login != "" {
		return c.bot, nil
	}
	const op = "read the token's user (GET /user)"
	u, resp, err := c.gl.Users.CurrentUser(gl.WithContext(ctx))
	if err != nil {
		return forge.Identity{}, mapError(op, resp, err)
	}
	if u.Username == "" || u.ID == 0 {
		return forge.Identity{}, &Error{Forge: "gitlab", Op: op, Message: "GitLab's answer names no username or id"}
	}
	c.bot = forge.Identity{Login: u.Username, ID: u.ID}
	return c.bot, nil
}
