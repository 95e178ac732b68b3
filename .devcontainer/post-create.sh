#!/usr/bin/env bash
# Runs once when the dev container is created: installs Ollama, starts it, pulls the course's models and builds
# the workbook library into the local feed the notebooks load it from (feed/), and restores the pinned kernel.
set -euo pipefail
if ! command -v ollama >/dev/null 2>&1; then
  curl -fsSL https://ollama.com/install.sh | sh
fi
bash "$(dirname "$0")/start-ollama.sh"
for model in ${COURSEWORKBOOK_OLLAMA_MODELS:-nextfire/paraphrase-multilingual-minilm qwen2.5}; do
  ollama pull "$model"
done
dotnet build lib/CourseWorkbook   # packs the library into feed/, from which the notebooks load it
dotnet tool restore
