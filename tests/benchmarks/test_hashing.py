"""C++ content hashes ignore layout and comments, and nothing else."""

from __future__ import annotations

from maxcode.benchmarks.hashing import cpp_content_hash, cpp_tokens

PROGRAM = """#include <iostream>
int main() {
    int a, b;  // two numbers
    std::cin >> a >> b;
    std::cout << a + b << "\\n";
}
"""


def test_whitespace_and_comments_do_not_change_the_hash() -> None:
    reformatted = (
        "#include <iostream>\n/* entry point */\nint main(){int a,b;\n std::cin>>a>>b;"
        '   std::cout<<a+b<<"\\n";}\n'
    )
    assert cpp_content_hash(reformatted) == cpp_content_hash(PROGRAM)


def test_any_token_change_changes_the_hash() -> None:
    assert cpp_content_hash(PROGRAM.replace("a + b", "a - b")) != cpp_content_hash(PROGRAM)
    assert cpp_content_hash(PROGRAM.replace('"\\n"', '" \\n"')) != cpp_content_hash(PROGRAM)


def test_comment_markers_inside_strings_are_text() -> None:
    tokens = cpp_tokens('auto s = "// not a comment"; /* gone */ auto r = R"x(a /* b */)x";')
    assert '"// not a comment"' in tokens
    assert 'R"x(a /* b */)x"' in tokens
    assert "gone" not in " ".join(tokens)
