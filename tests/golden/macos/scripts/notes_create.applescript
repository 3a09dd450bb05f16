-- Creates a note and shows it.
-- argv: folder name ("" or a folder that does not exist = the default folder), body as HTML.
-- The HTML is built by the worker with every user string escaped; its first line is the title.
-- Prints "ok" and the folder's name on the next line.
on run argv
	set folderName to item 1 of argv
	set theBody to item 2 of argv
	tell application "Notes"
		if folderName is not "" and (exists folder folderName) then
			set theFolder to folder folderName
		else
			set theFolder to default folder of default account
		end if
		set theNote to make new note at theFolder with properties {body:theBody}
		set folderName to name of theFolder
		-- Focusing is a courtesy: the note exists by now, so a failure here must not report an error.
		try
			activate
			show theNote
		end try
	end tell
	return "ok" & linefeed & folderName
end run
