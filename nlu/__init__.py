"""Understanding for Hamroh: normalisation, language identification, intent classification
and risk detection. Nothing here imports aiogram: every transport shares it."""
