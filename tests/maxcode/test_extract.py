"""Code extraction from free-form replies (rules in maxcode/extract.py)."""

from maxcode.extract import extract_code, fenced_blocks

MAIN = "#include <cstdio>\nint main() { puts(\"hi\"); }\n"
MODEL_NEW = "import torch\n\nclass ModelNew(torch.nn.Module):\n    pass\n"


def test_single_tagged_block():
    assert extract_code(f"Sure.\n```cpp\n{MAIN}```\nDone.", "cpp") == MAIN


def test_missing_language_tag_is_accepted():
    assert extract_code(f"```\n{MAIN}```", "cpp") == MAIN


def test_block_in_another_language_is_ignored():
    reply = f"Compile with:\n```bash\ng++ -O3 a.cpp\n```\nCode:\n```cpp\n{MAIN}```"
    assert extract_code(reply, "cpp") == MAIN
    assert extract_code("```bash\nint main() {}\n```", "cpp") is None


def test_last_whole_program_wins_over_drafts_and_snippets():
    draft = MAIN.replace("hi", "draft")
    snippet = "for (int i = 0; i < n; ++i) s += a[i];\n" * 5
    reply = f"```cpp\n{draft}```\nthe hot loop:\n```cpp\n{snippet}```\nfinal:\n```cpp\n{MAIN}```\n"
    assert extract_code(reply, "cpp") == MAIN


def test_longest_block_when_none_is_whole():
    short, long = "x += 1;\n", "int f(int n) {\n  return n * 2;\n}\n"
    assert extract_code(f"```cpp\n{short}```\n```cpp\n{long}```", "cpp") == long


def test_unterminated_fence_runs_to_end_of_reply():
    reply = f"```cpp\n{MAIN}"
    blocks = fenced_blocks(reply)
    assert len(blocks) == 1 and not blocks[0].closed
    assert extract_code(reply, "cpp") == MAIN


def test_kernel_reply_needs_model_new_and_python_tag():
    reply = f"```python\n{MODEL_NEW}```\n```cpp\nint main(){{}}\n```"
    assert extract_code(reply, "python") == MODEL_NEW


def test_unfenced_whole_program_is_accepted_but_prose_is_not():
    assert extract_code(MAIN, "cpp") == MAIN
    assert extract_code("I cannot improve this program further.", "cpp") is None
    assert extract_code("", "cpp") is None


def test_thinking_section_is_dropped():
    reply = f"<think>\n```cpp\nint main() {{ draft(); }}\n```\n</think>\n```cpp\n{MAIN}```"
    assert extract_code(reply, "cpp") == MAIN
    # A reply cut inside its thinking holds no answer.
    assert extract_code("<think>\n```cpp\nint main() {}\n```", "cpp") is None


def test_longer_fence_and_tilde_fence():
    assert extract_code(f"````cpp\n{MAIN}````", "cpp") == MAIN
    assert extract_code(f"~~~c++\n{MAIN}~~~", "cpp") == MAIN
