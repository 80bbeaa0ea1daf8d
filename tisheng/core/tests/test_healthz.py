def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would raise "Database access not allowed".
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
