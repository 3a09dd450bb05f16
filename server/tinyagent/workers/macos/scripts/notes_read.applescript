-- Reads one note's HTML body; the worker turns it into plain text.
-- argv: the note's id (from notes_list).
-- Prints "ok" and the body from the next line on, or "not_found".
on run argv
	set noteId to item 1 of argv
	tell application "Notes"
		if not (exists note id noteId) then return "not_found"
		set theBody to body of note id noteId
	end tell
	return "ok" & linefeed & theBody
end run
