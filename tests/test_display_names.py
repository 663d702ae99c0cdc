"""A person is called by one name everywhere: a neutral by the name on the panel, others by their full name,
else their email address."""

from django.urls import reverse


def test_the_mediator_has_one_name_on_every_page(mediation_case, claimant, administrator, mediator, client_for):
    mediator.first_name, mediator.last_name = "Mia", "Chan"
    mediator.save(update_fields=["first_name", "last_name"])
    pages = {
        "case": reverse("cases:detail", kwargs={"case_id": mediation_case.public_id}),
        "mediation": reverse("mediation:case", kwargs={"case_id": mediation_case.public_id}),
    }
    for viewer in (claimant, administrator):
        for name, url in pages.items():
            text = client_for(viewer).get(url).text
            assert "Mia Mediator" in text, (viewer, name)
            assert "Mia Chan" not in text, (viewer, name)
            assert "mia@example.com" not in text, (viewer, name)
    staff_list = client_for(administrator).get(reverse("administration:case_list")).text
    assert "Mia Mediator" in staff_list
    assert "Mia Chan" not in staff_list


def test_a_person_without_a_panel_name_is_called_by_full_name_else_email(claimant):
    from cases.names import display_name

    assert display_name(claimant) == "alice@example.com"
    claimant.first_name, claimant.last_name = "Alice", "Wong"
    assert display_name(claimant) == "Alice Wong"
