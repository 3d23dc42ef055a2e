// Package markdown turns text that users wrote (titles, descriptions,
// names, owners, paths, messages from models, policies and configuration)
// into text that is safe to put in what the bot writes on a forge: pull
// and merge request comments, check summaries and annotations, GitLab notes
// and threads, issue titles and bodies.
//
// There is one function per kind of output, and every place that writes
// user text uses the one for its kind:
//
//   - Text: inline Markdown on one line (a list item, a heading, a bold
//     title, a sentence).
//   - Paragraph: Markdown text of several lines (a description).
//   - Cell: the text of a GitHub/GitLab Markdown table cell.
//   - Code and CellCode: an inline code span, outside or inside a table.
//   - Fence: a fenced code block.
//   - Title: an issue or pull-request title (plain text, one line).
//   - Plain and PlainLine: plain text (check-run annotations, a GitLab
//     commit status's description).
//   - MermaidLabel: the text of a quoted label in a Mermaid diagram.
//   - Mention: a handle the bot means to notify, once the forge confirmed it.
//
// What comes out never becomes a live @mention (@all included), a link or
// autolink, an issue reference, an image, HTML, a heading, a list, a
// quotation, a table break, the end of a <details> block or a GitLab quick
// action (a line that starts with /). Bidirectional-override, zero-width and
// other invisible characters are shown as a visible [U+XXXX] mark instead
// of being passed on.
//
// It imports nothing of the bot: the review engine, the tracking and the
// forge adapters all use it.
package markdown
