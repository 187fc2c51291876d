"""Pieces shared by the benchmark scripts."""

# A fixed mix for latency runs: English, Vietnamese, cross-lingual and one
# question the seeds cannot answer (refusals are timed too).
SAMPLE_QUESTIONS = [
    "What trade target did Vietnam and New Zealand set?",
    "Tổng Bí thư Tô Lâm hội đàm với Tổng thống Kazakhstan ở đâu?",
    "When did Vietnam and Kazakhstan establish diplomatic relations?",
    "Việt Nam và New Zealand nâng cấp quan hệ lên mức nào?",
    "Who visited Hanoi from New Zealand?",
    "What is the capital of Peru?",
]
