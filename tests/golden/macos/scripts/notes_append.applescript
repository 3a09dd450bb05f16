-- Appends HTML to one note's body.
-- argv: the note's id (from notes_list), HTML built by the worker with every user string escaped.
-- Prints "ok" and the note's name on the next line, or "not_found".
on run argv
	set noteId to item 1 of argv
	set extraHtml to item 2 of argv
	tell application "Notes"
		if not (exists note id noteId) then return "not_found"
		set theNote to note id noteId
		set body of theNote to (body of theNote) & "<br>" & extraHtml
		set noteName to name of theNote
	end tell
	return "ok" & linefeed & noteName
end run
