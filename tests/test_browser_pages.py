"""Every other page in a real Chromium: it loads, draws its charts, shows no exception."""

import pytest

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'
EXCEPTION = '[data-testid="stException"]'
ALERT = '[data-testid="stMain"] :is([data-testid="stAlert"], [data-testid="stAlertContainer"])'


def wait_for_charts(page, count: int) -> None:
    page.wait_for_function(
        """n => document.querySelector('[data-testid="stException"]')
             || Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
                  .filter(c => c.querySelector('.main-svg')).length >= n""",
        arg=count, timeout=60_000,
    )
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()


@pytest.mark.parametrize(
    "script,charts,heading",
    [("pages/1_Vocabulary.py", 4, "Words that vanish"),
     ("pages/6_Chatbot.py", 4, "A chatbot learns from chatbots"),
     ("pages/7_Phase_diagram.py", 1, "How much real data keeps a model alive?"),
     ("pages/2_The_polluted_web.py", 3, "The polluted web"),
     ("pages/3_Compare.py", 3, "Compare scenarios"),
     ("pages/9_About_the_model.py", 0, "About the model")],
)
def test_page_loads_with_its_charts(page, app_url, script, charts, heading):
    page.goto(app_url(script))
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    wait_for_charts(page, charts)
    assert page.locator(CHART).count() == charts


def test_a_preset_link_opens_the_polluted_web_with_its_knobs(page, app_url):
    page.goto(app_url("pages/2_The_polluted_web.py", "human_decline=1&ai_growth=0.3"))
    wait_for_charts(page, 3)
    assert page.locator(ALERT).filter(has_text="URL parameter").count() == 0
    story = page.locator('[data-testid="stMain"] [data-testid="stAlertContainer"]').first.inner_text()
    assert "half of the web is AI-written" in story


def test_bad_values_on_the_web_page_warn_by_name(page, app_url):
    page.goto(app_url("pages/2_The_polluted_web.py", "retrieval_share=7&planet=x"))
    wait_for_charts(page, 3)
    alerts = " ".join(page.locator(ALERT).all_inner_texts())
    assert "retrieval_share" in alerts and "planet" in alerts


def test_presentation_view_hides_the_knobs(page, app_url):
    page.goto(app_url(None, "present=1&synthetic_fraction=0.9"))
    wait_for_charts(page, 4)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.locator('[data-testid="stSlider"]').filter(visible=True).count() == 0
    assert page.locator(CHART).count() == 4
    assert "present=1" in page.url  # the view survives in the share link
    page.screenshot(path=str(__import__("pathlib").Path(__file__).resolve().parents[1] / "docs" / "presentation.png"))


def test_uploading_numbers_and_text_in_the_browser(page, app_url):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    page.goto(app_url())
    wait_for_charts(page, 4)
    page.get_by_text("Your own data").first.click()
    page.locator('.st-key-upload_numbers input[type="file"]').set_input_files(str(root / "examples" / "iris_petal_length.csv"))
    page.get_by_text("In use: iris_petal_length.csv (150 numbers)").wait_for(timeout=60_000)
    wait_for_charts(page, 4)
    page.get_by_text("your data (smoothed)").first.wait_for(timeout=30_000)
    page.screenshot(path=str(root / "docs" / "your_numbers.png"))

    page.goto(app_url("pages/1_Vocabulary.py"))
    wait_for_charts(page, 4)
    page.get_by_text("Your own data").first.click()
    page.locator('.st-key-upload_text input[type="file"]').set_input_files(
        str(root / "examples" / "gettysburg_and_declaration.txt"))
    page.get_by_text("In use: gettysburg_and_declaration.txt").wait_for(timeout=60_000)
    wait_for_charts(page, 4)
    page.get_by_text("your text").first.wait_for(timeout=30_000)
    page.screenshot(path=str(root / "docs" / "your_text.png"))


def test_a_binary_upload_is_refused_by_name(page, app_url, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 4)
    page.goto(app_url())
    wait_for_charts(page, 4)
    page.get_by_text("Your own data").first.click()
    page.locator('.st-key-upload_numbers input[type="file"]').set_input_files(str(junk))
    page.get_by_text("junk.csv: the file looks like a binary file, not text").wait_for(timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0
