// Package markdowntest checks, for tests, that what the bot wrote on a
// forge is inert: rendered by a real CommonMark + GFM parser (goldmark), it
// has no link the bot did not mean, no image, no HTML of a user's, no
// heading, list break or closed <details> made from user text, no live
// mention, reference or bare URL, no quick action and no invisible
// character unmarked.
//
// It is imported by tests only, so goldmark never reaches the binary.
package markdowntest
