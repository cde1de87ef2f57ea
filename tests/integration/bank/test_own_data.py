"""The bank's own data: loaded from a city's bank/ folder, read as point-in-time facts."""

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from puhui.bank.db import make_engine, migrate, session_factory
from puhui.bank.own_data.loader import load_own_data
from puhui.bank.own_data.reader import StoreOwnDataReader
from puhui.core.errors import IngestError
from tests.integration.bank.conftest import resident_id

PERSON = resident_id(5)


def write_bank_folder(folder):
    bank = folder / "bank"
    bank.mkdir(parents=True)
    (bank / "customers.csv").write_text(
        '"customer_no","kind","id_number","name","opened_date","phone"\n'
        f'"C1","person","{PERSON.lower()}","赵六","2020-03-15","13800000000"\n'
        '"C2","enterprise","91110000600037341L","某某有限公司","2021-01-01",""\n'
    )
    months = [f"2024{m:02d}" for m in range(1, 13)]
    pq.write_table(
        pa.table(
            {
                "customer_no": ["C1"] * 12,
                "month": months,
                "average_balance": [str(1000 * (m + 1)) + ".00" for m in range(12)],
                "month_end_balance": ["0.00"] * 12,
            }
        ),
        bank / "deposits.parquet",
    )
    header = (
        '"application_id","customer_no","applicant_kind","id_number","applied_date","product","product_name",'
        '"amount","term_months","decision","rate_percent","loan_id","disbursed_date","months_observed",'
        '"max_days_past_due","default_12m","status"\n'
    )
    (bank / "applications.csv").write_text(
        header + f'"A1","C1","person","{PERSON}","2024-02-10","P-CONSUMER","x","50000.00","12","approved","5.1","L1",'
        '"2024-02-12","12","120","1","defaulted"\n'
        + f'"A2","C1","person","{PERSON}","2024-09-01","P-CONSUMER","x","30000.00","12","declined",'
        + '"","","","","","",""\n'
    )
    return folder


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def test_own_data_loads_and_reads_point_in_time(sessions, tmp_path):
    summary = load_own_data(sessions, write_bank_folder(tmp_path))
    assert (summary.customers, summary.deposit_months, summary.past_applications) == (2, 12, 2)
    assert load_own_data(sessions, tmp_path / "bank") == summary  # a reload replaces, it does not add
    reader = StoreOwnDataReader(sessions)
    before_loan = reader.facts(PERSON, dt.date(2024, 2, 10))
    assert before_loan["bank.customer_months"] == 46
    assert before_loan["bank.deposit_avg_6m"] == Decimal("1000.00")  # only January is before February
    assert before_loan["bank.loans"] == 0 and before_loan["bank.defaults"] == 0
    mid = reader.facts(PERSON, dt.date(2024, 9, 1))
    assert mid["bank.loans"] == 1 and mid["bank.defaults"] == 0  # the default was not known yet
    assert mid["bank.deposit_avg_6m"] == Decimal("5500.00")  # March to August: 3000 … 8000
    assert mid["bank.deposit_months_12m"] == 8
    after = reader.facts(PERSON, dt.date(2025, 3, 1))
    assert after["bank.defaults"] == 1
    assert reader.facts(PERSON, dt.date(2019, 1, 1)) == {}  # not yet a customer
    assert reader.facts(resident_id(6), dt.date(2024, 9, 1)) == {}  # never a customer


def test_a_bad_id_number_rejects_the_load(sessions, tmp_path):
    folder = write_bank_folder(tmp_path)
    text = (folder / "bank" / "customers.csv").read_text().replace("91110000600037341L", "91110000600037341A")
    (folder / "bank" / "customers.csv").write_text(text)
    with pytest.raises(IngestError, match=r"customers\.csv, C2"):
        load_own_data(sessions, folder)
    with pytest.raises(IngestError, match="no bank data"):
        load_own_data(sessions, tmp_path / "nowhere")
