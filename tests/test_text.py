"""scalingedu._text.prose: texts written as indented triple-quoted prose read as the reader should see them."""
from scalingedu._text import prose


def test_a_one_line_text_is_returned_as_it_is():
    assert prose("  keep  my   spaces ") == "  keep  my   spaces "


def test_lines_of_a_paragraph_are_joined_and_the_indentation_removed():
    text = """
        Kaplan et al. 2020, Eq. 1.1: L(N) = (N_c / N)^alpha_N,
        N in non-embedding parameters
    """
    assert prose(text) == "Kaplan et al. 2020, Eq. 1.1: L(N) = (N_c / N)^alpha_N, N in non-embedding parameters"


def test_paragraphs_list_items_and_table_rows_keep_their_own_lines():
    text = """
        Choose one:

        - **a**: the smaller model,
          trained longer
        - **b**: the larger model
        | x | y |
        1. first
    """
    assert prose(text) == ("Choose one:\n\n- **a**: the smaller model, trained longer\n- **b**: the larger model\n"
                           "| x | y |\n1. first")


def test_a_wrapped_line_that_starts_like_a_list_item_is_kept_apart_so_authors_must_not_wrap_there():
    # The rule that makes Markdown lists work: "... with ZeRO stage\n2. How many" would split. Wrap elsewhere.
    assert prose("""
        with ZeRO stage
        2. How many
    """) == "with ZeRO stage\n2. How many"
