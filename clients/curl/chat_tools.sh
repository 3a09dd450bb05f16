#!/bin/sh
# POST /v1/chat/completions with a tool: the grammar makes the arguments valid JSON for the schema.
# TOOL_CHOICE=auto lets the model decide; the default forces the call.
. "$(dirname "$0")/_common.sh"
case "${TOOL_CHOICE:-get_weather}" in
    auto | none | required) choice="\"${TOOL_CHOICE}\"" ;;
    *) choice="{\"type\": \"function\", \"function\": {\"name\": \"${TOOL_CHOICE:-get_weather}\"}}" ;;
esac
api POST /v1/chat/completions "{
  \"model\": \"$MODEL\", \"max_tokens\": 128, \"tool_choice\": $choice,
  \"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}],
  \"tools\": [{\"type\": \"function\", \"function\": {
    \"name\": \"get_weather\", \"description\": \"Current weather for a city.\",
    \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"maxLength\": 40}}, \"required\": [\"city\"]}}}]
}"
