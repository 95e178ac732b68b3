#!/usr/bin/env bash
# Starts the Ollama server in the background (each time the container starts) and waits until it answers.
set -euo pipefail
command -v ollama >/dev/null 2>&1 || { echo "ollama is not installed; the notebooks will use their offline path"; exit 0; }
if ! curl -fsS --max-time 1 "${OLLAMA_HOST:-http://localhost:11434}/api/tags" >/dev/null 2>&1; then
  nohup ollama serve >/tmp/ollama.log 2>&1 &
  for _ in $(seq 1 30); do
    curl -fsS --max-time 1 "${OLLAMA_HOST:-http://localhost:11434}/api/tags" >/dev/null 2>&1 && break
    sleep 1
  done
fi
echo "Ollama: $(curl -fsS --max-time 1 "${OLLAMA_HOST:-http://localhost:11434}/api/version" 2>/dev/null || echo 'not answering')"
