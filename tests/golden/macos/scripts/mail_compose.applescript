-- Composes a new Mail message; leaves it open as a draft unless asked to send it.
-- argv: subject, body, "send" or "draft", to count, cc count, attachment count,
--       then the to addresses, the cc addresses and the attachment POSIX paths.
-- Prints "ok" and "sent" or "drafted" on the next line.
on run argv
	set theSubject to item 1 of argv
	set theBody to item 2 of argv
	set sendNow to (item 3 of argv) is "send"
	set toCount to (item 4 of argv) as integer
	set ccCount to (item 5 of argv) as integer
	set attachmentCount to (item 6 of argv) as integer
	set toAddresses to my sliceArgs(argv, 7, toCount)
	set ccAddresses to my sliceArgs(argv, 7 + toCount, ccCount)
	set attachmentFiles to my posixFiles(my sliceArgs(argv, 7 + toCount + ccCount, attachmentCount))
	tell application "Mail"
		set theMessage to make new outgoing message with properties {subject:theSubject, content:theBody, visible:true}
		repeat with anAddress in toAddresses
			make new to recipient at end of to recipients of theMessage with properties {address:(contents of anAddress)}
		end repeat
		repeat with anAddress in ccAddresses
			make new cc recipient at end of cc recipients of theMessage with properties {address:(contents of anAddress)}
		end repeat
		repeat with aFile in attachmentFiles
			tell content of theMessage
				make new attachment with properties {file name:(contents of aFile)} at after last paragraph
			end tell
		end repeat
		if sendNow then
			send theMessage
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
