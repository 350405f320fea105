"""Parse texts with a trained Rasa model, offline. Runs in .venv-rasa, not in the bot's env.

stdin: one JSON object per line, {"text": ...}; stdout: one JSON object per line, the same
body `POST /model/parse` returns (intent, intent_ranking, ...). Used by `hamroh nlu test
--backend rasa` to score each cross-validation fold without starting a server.
"""

import asyncio
import json
import sys


async def main(model_path: str) -> None:
    from rasa.core.agent import Agent  # heavy: imported once the arguments are known

    agent = Agent.load(model_path)
    for line in sys.stdin:
        if not line.strip():
            continue
        result = await agent.parse_message(json.loads(line)["text"])
        keep = {k: result.get(k) for k in ("text", "intent", "intent_ranking", "entities")}
        sys.stdout.write(json.dumps(keep, ensure_ascii=False, default=float) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
