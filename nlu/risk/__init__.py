"""Risk detection: editors' rules (content/<folder>/risk/rules.yaml) plus the classifier's
risk intents give a level (none / elevated / high), the ILO indicators and the evidence.

    detector = RiskDetector.load(Path("content"))
    detector.assess("хозяин забрал паспорт", "ru").level   # RiskLevel.HIGH
"""

from nlu.risk.detector import RiskDetector, Thresholds
from nlu.risk.model import Evidence, Indicator, RiskAssessment, RiskContext, RiskLevel

__all__ = ["Evidence", "Indicator", "RiskAssessment", "RiskContext", "RiskDetector", "RiskLevel",
           "Thresholds"]
