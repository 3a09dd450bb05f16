-- Replies to the message selected in Mail; leaves the reply open as a draft unless asked to send it.
-- argv: body, "send" or "draft", cc count, attachment count, then the cc addresses and attachment paths.
-- Prints "ok" and "sent" or "drafted" on the next line, or "no_selection".
on run argv
	set theBody to item 1 of argv
	set sendNow to (item 2 of argv) is "send"
	set ccCount to (item 3 of argv) as integer
	set attachmentCount to (item 4 of argv) as integer
	set ccAddresses to my sliceArgs(argv, 5, ccCount)
	set attachmentFiles to my posixFiles(my sliceArgs(argv, 5 + ccCount, attachmentCount))
	tell application "Mail"
		set theMessages to {}
		try
			set theMessages to selection
		end try
		if theMessages is missing value or (count of theMessages) is 0 then return "no_selection"
		set theReply to reply (item 1 of theMessages) with opening window
		if theBody is not "" then set content of theReply to theBody & linefeed & linefeed & (content of theReply)
		repeat with anAddress in ccAddresses
			make new cc recipient at end of cc recipients of theReply with properties {address:(contents of anAddress)}
		end repeat
		repeat with aFile in attachmentFiles
			tell content of theReply
				make new attachment with properties {file name:(contents of aFile)} at after last paragraph
			end tell
		end repeat
		if sendNow then
			send theReply
			return "ok" & linefeed & "sent"
		end if
		activate
	end tell
	return "ok" & linefeed & "drafted"
end run

on sliceArgs(argv, startIndex, n)
	set theItems to {}
	repeat with i from startIndex to startIndex + n - 1
		set end of theItems to item i of argv
	end repeat
	return theItems
end sliceArgs

-- Outside any tell block: POSIX file inside an application's tell is resolved by that application.
on posixFiles(thePaths)
	set theFiles to {}
	repeat with aPath in thePaths
		set end of theFiles to (POSIX file (contents of aPath)) as alias
	end repeat
	return theFiles
end posixFiles
