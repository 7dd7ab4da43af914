"""How long a company whose Procore app is not installed waits before it is asked again."""

from procore_sync.sync import install_backoff


def test_each_refusal_doubles_the_wait_up_to_a_day():
    company: dict = {"app_installed": True}
    waits = []
    for _ in range(8):
        company = {**company, **install_backoff.after_refusal(company, now=1000)}
        waits.append(company["next_install_check_at"] - 1000)
    assert waits[:3] == [3600, 7200, 14400]
    assert waits[-1] == 86400 and max(waits) == 86400
    assert company["app_installed"] is False and company["install_checks"] == 8


def test_a_company_waits_only_until_its_next_check():
    company = {"app_installed": False, "next_install_check_at": 5000}
    assert install_backoff.waiting(company, now=4999)
    assert not install_backoff.waiting(company, now=5000)
    assert not install_backoff.waiting({"app_installed": True, "next_install_check_at": 9999}, now=1)
